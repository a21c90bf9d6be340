#pragma once
// The config format as a JSON Schema (draft 2020-12), generated from the same argument tables the parser
// reads, so editors (yaml-language-server) complete and check configs exactly as yamlnet will.
#include <nlohmann/json.hpp>

namespace yamlnet {

nlohmann::ordered_json config_json_schema();

}  // namespace yamlnet
