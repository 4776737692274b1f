// Package local lives beside the main module and replaces example.com/local.
package local

// Where says where.
const Where = "local"
