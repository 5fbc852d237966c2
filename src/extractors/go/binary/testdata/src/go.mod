module example.com/hello

go 1.19

require (
	example.com/greet v1.2.3
	example.com/oldgreet v1.0.0
)

replace example.com/oldgreet v1.0.0 => example.com/newgreet v1.1.0
