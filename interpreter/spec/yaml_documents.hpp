#pragma once
// Reading a config's YAML text into its first document, with the start of a second one if there is one.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

namespace yamlnet {

struct YamlDocuments {
  YAML::Node first;                        // undefined for an empty text
  std::optional<YAML::Mark> second_start;  // where a second document starts
};

// Throws YAML::ParserException for a syntax error (its mark says where). Why not YAML::LoadAll: yaml-cpp
// 0.7 never consumes a ',' that begins a document outside a flow collection, and LoadAll then collects empty
// documents forever (the config fuzzer's first hang, at 2 GB and climbing); here that is a syntax error.
YamlDocuments read_yaml_documents(const std::string& text);

}  // namespace yamlnet
