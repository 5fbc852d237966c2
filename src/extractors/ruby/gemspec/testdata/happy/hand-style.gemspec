# Hand-written gemspec style (as in a gem's source tree, not a generated stub)
Gem::Specification.new do |spec|
  spec.name    = 'my-gem'
  spec.version = '1.4.0.pre'
  spec.summary = "not a name = 'x' line"
end
