module example.com/tool

go 1.19

require example.com/plain v0.3.0
