module example.com/hello

go 1.19

require (
	example.com/greet v1.2.3
	example.com/local v0.1.0
)

require example.com/plain v0.3.0 // indirect

replace example.com/greet => example.com/greet-fork v1.2.4

replace example.com/local => ./local
