// Every go.mod form Go 1.19's parser accepts that names dependencies, and some that do not.
module example.com/kitchen-sink // the module itself is not a dependency

go 1.19

require example.com/single v1.0.0

require (
	example.com/direct v1.2.3
	"example.com/quoted" v0.1.0 // indirect
	example.com/replaced v1.0.0
	example.com/pinned v1.1.0
	example.com/pinned-other v1.0.0
	example.com/local v0.0.0-00010101000000-000000000000 // indirect; needed by example.com/direct
	example.com/incompatible v2.0.0+incompatible // indirectly used: not the indirect marker
	example.com/pseudo v0.0.0-20230102150405-abcdefabcdef
)

replace (
	example.com/replaced => example.com/fork v1.0.1
	example.com/pinned v1.0.0 => example.com/never v9.9.9
)

replace example.com/pinned v1.1.0 => example.com/pinned-fork v1.1.1

replace example.com/pinned-other v1.0.0 => ./pinned-other

replace example.com/local => ../local

exclude example.com/direct v1.2.2

exclude (
	example.com/direct v1.2.1
)

retract [v0.9.0, v0.9.5]

retract (
	v0.8.0 // published by mistake
)
