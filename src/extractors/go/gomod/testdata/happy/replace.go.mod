// Hand-written: exercises the directive forms the grammar allows
// (https://go.dev/ref/mod#go-mod-file-grammar).
module example.com/app

go 1.21

toolchain go1.21.5

require github.com/pkg/errors v0.9.1

require (
	golang.org/x/text v0.3.7 // indirect
	"github.com/old/lib" v1.0.0
	example.com/localfork v0.1.0
	example.com/pinned v1.2.0
)

replace github.com/old/lib => github.com/new/lib v1.4.2

replace (
	example.com/localfork => ../localfork
	example.com/pinned v1.1.0 => example.com/other v9.9.9 // not the required version: no effect
)

exclude golang.org/x/text v0.3.6

retract [v0.0.1, v0.0.3]
