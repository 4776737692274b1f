# -*- encoding: utf-8 -*-
# stub: nativeish 1.15.0 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "nativeish".freeze
  s.version = "1.15.0"
  s.platform = "x86_64-linux".freeze

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Bulwark tests".freeze]
  s.date = "2026-12-01"
  s.licenses = ["MIT".freeze, "Apache-2.0".freeze]
  s.rubygems_version = "3.3.15".freeze
  s.summary = "Demo gem with a platform".freeze

  s.installed_by_version = "3.3.15" if s.respond_to? :installed_by_version

  if s.respond_to? :specification_version then
    s.specification_version = 4
  end

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<rack>.freeze, [">= 2"])
  else
    s.add_dependency(%q<rack>.freeze, [">= 2"])
  end
end
