package main

import (
	"fmt"

	"example.com/greet"
	old "example.com/oldgreet"
)

func main() { fmt.Println(greet.Hello(), old.Hello()) }
