// Package greet says hello (a fork that replaces example.com/greet).
package greet

import "example.com/plain"

// Hello returns a greeting.
func Hello() string { return "hello from the " + plain.Name + " fork" }
