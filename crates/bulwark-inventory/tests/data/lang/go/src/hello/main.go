// Command hello depends on a module replaced by another module (which needs a third one)
// and on one replaced by a local directory.
package main

import (
	"example.com/greet"
	"example.com/local"
)

func main() { println(greet.Hello(), local.Where) }
