#pragma once
// The ways Keras documents spell a model that are not one layer's arguments: Keras 1's `merge` / `Merge`
// layer with its `mode`, and the model's input written on a layer (`input_shape`, `batch_input_shape`,
// `input_dim`, `input_length`, and Keras 3's `batch_shape` on an Input).
#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "interpreter/spec/diagnostics.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

// Keras 1's merge(mode=...) as the Keras 2 layer it is.
struct MergeTranslation {
  const LayerInfo* info = nullptr;  // the layer built (Concatenate, Add, Dot...)
  std::vector<ArgSpec> table;       // its arguments, with Keras 1's defaults (Dot's axes: -1)
  std::vector<KerasAlias> aliases;  // its aliases plus concat_axis / dot_axes
  bool normalize = false;           // mode: cos
};

bool is_keras1_merge(const std::string& type);
// Reads `mode` (default sum, as Keras 1); an unknown or callable mode is an error at it (nullopt).
std::optional<MergeTranslation> translate_merge(const YAML::Node& layer, const Registry& registry,
                                                DiagnosticSink& sink);

// The model's input as a layer's arguments describe it.
struct DeclaredInput {
  std::vector<int64_t> shape;  // per sample
  std::optional<int64_t> batch_size;
  SourceLoc loc;    // the first key that gave it
  std::string key;  // that key's name, for messages
};

// The keys of `info`'s layers that describe the model's input rather than the layer: every layer takes
// input_shape and batch_input_shape; input_dim and input_length where the layer has no argument of that name
// (Embedding's input_dim is its vocabulary); an Input also takes batch_shape. Parsed elsewhere, so its
// argument parser skips them.
std::set<std::string> input_keys(const LayerInfo& info);
// The input those keys describe on `layer` (nullopt when it has none, or they were reported wrong).
std::optional<DeclaredInput> read_declared_input(const YAML::Node& layer, const LayerInfo& info,
                                                 DiagnosticSink& sink);

}  // namespace yamlnet
