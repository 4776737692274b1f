// Package greet says hello (the original module).
package greet

// Hello returns a greeting.
func Hello() string { return "hello" }
