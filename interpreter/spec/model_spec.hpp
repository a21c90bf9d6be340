#pragma once
// A whole config file, parsed and type-checked: every node keeps its file:line:col.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "interpreter/spec/data_block.hpp"
#include "interpreter/spec/value.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

// `name` or `name:k` (output k of a layer with several outputs).
struct InputRef {
  std::string layer;
  int index = 0;
  SourceLoc loc;
};

struct LayerDecl {
  std::string name;
  std::string type;  // "Input" for model inputs
  SourceLoc loc;
  std::vector<InputRef> inputs;
  Args args;
  bool trainable = true;
  const LayerInfo* info = nullptr;
  std::vector<std::pair<std::string, SourceLoc>> arg_locs;  // where each given argument was written
  SourceLoc arg_loc(const std::string& arg) const;
  bool is_input() const { return type == "Input"; }
  // Whether `arg` only says how the layer runs (ArgSpec::execution_only).
  bool execution_only(const std::string& arg) const;
};

// Weights copied from another run's file by layer name (Keras's load_weights(by_name=True)), as NeuMF starts
// from trained GMF and MLP towers: `layers` maps this model's layer names to the file's.
struct InitFrom {
  std::string path;
  std::map<std::string, std::string> layers;
  SourceLoc loc;
};

struct ModelSpec {
  std::string file;
  std::string name;
  uint64_t seed = 0;
  int keras_version = 2;  // whose defaults and formulas: 1, 2 or 3
  int threads = 0;        // threads of the matrix products; 0: every core
  // Bytes the model's parameters (values and gradients) may take; checked before each one is allocated.
  // 0: the machine's physical memory.
  uint64_t max_memory = 0;
  SourceLoc max_memory_loc;
  std::vector<LayerDecl> layers;  // model inputs first, then layers, in declaration order
  std::vector<InputRef> outputs;
  Args compile;
  Args fit;
  DataSpec data;
  std::vector<InitFrom> init_from;
  std::vector<Diagnostic> warnings;
  // The config after overrides as YAML text, for the effective-config echo. Text, not the yaml-cpp tree: the
  // tree takes some 4 KB per layer, which a config of 150k layers should not keep for the whole run.
  std::string effective_config;

  const LayerDecl* find_layer(const std::string& name) const;
};

// The tables a config is parsed against, one per kind. The kinds' entries (with their factories and loaders)
// live with the code that runs them; interpreter/app/config_tables.hpp hands the built-in ones over.
struct ConfigTables {
  const Registry& layers;
  const std::vector<ArgSpec>& compile;
  const std::vector<ArgSpec>& fit;
  const std::vector<const DataTypeInfo*>& data;
};

// Reads and parses a config file. `overrides` are `key.path=value` strings (the CLI's --set).
// Throws ConfigError with every problem found.
ModelSpec load_model_spec(const std::string& path, const std::vector<std::string>& overrides,
                          const ConfigTables& tables);
ModelSpec parse_model_spec(const std::string& text, const std::string& file,
                           const std::vector<std::string>& overrides, const ConfigTables& tables);

// Applies one `a.b.c=value` override to a YAML tree (`layers.NAME.key` addresses a layer by name); returns
// the value node it wrote.
YAML::Node apply_override(YAML::Node& root, const std::string& assignment);

}  // namespace yamlnet
