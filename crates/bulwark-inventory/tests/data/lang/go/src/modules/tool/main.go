// Command tool is installed with `go install example.com/tool@v1.0.0`: its main module has a version.
package main

import "example.com/plain"

func main() { println(plain.Name) }
