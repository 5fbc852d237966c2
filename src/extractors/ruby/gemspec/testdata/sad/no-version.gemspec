Gem::Specification.new do |s|
  s.name = "noversion".freeze
end
