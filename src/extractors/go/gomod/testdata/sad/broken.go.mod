module example.com/broken

go 1.20

requires github.com/typo v1.0.0

require (
	github.com/ok/one v1.0.0
	github.com/missing-version
	github.com/two/words v1.0.0 extra
