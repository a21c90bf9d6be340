#pragma once
// Parsed values back to YAML: the normalised echo of a layer's arguments (defaults filled in).
#include <yaml-cpp/yaml.h>

#include "interpreter/spec/value.hpp"

namespace yamlnet {

YAML::Node value_to_yaml(const Value& value);
// A mapping of every argument that has a value (None arguments are left out).
YAML::Node args_to_yaml(const Args& args);

}  // namespace yamlnet
