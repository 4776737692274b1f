// Package plain is a dependency without replacement.
package plain

// Name names it.
const Name = "plain"
