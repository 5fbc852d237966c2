# stub: x 1.0 ruby lib
puts "hello"
