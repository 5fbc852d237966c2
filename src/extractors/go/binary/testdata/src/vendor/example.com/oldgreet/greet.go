package oldgreet

func Hello() string { return "hello again" }
