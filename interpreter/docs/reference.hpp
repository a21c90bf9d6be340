#pragma once
#include <string>

namespace yamlnet {

// docs/config.md, generated from the argument tables of every layer, function family and block.
std::string config_reference_markdown();

}  // namespace yamlnet
