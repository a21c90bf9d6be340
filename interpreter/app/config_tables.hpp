#pragma once
// The built-in tables every config is parsed against (layers, compile, fit, data types), and the parse
// entry points that use them.
#include <string>
#include <vector>

#include "interpreter/spec/model_spec.hpp"

namespace yamlnet {

const ConfigTables& builtin_config_tables();

ModelSpec load_model_spec(const std::string& path, const std::vector<std::string>& overrides = {});
ModelSpec parse_model_spec(const std::string& text, const std::string& file,
                           const std::vector<std::string>& overrides = {});

}  // namespace yamlnet
