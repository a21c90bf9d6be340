#pragma once
// A TF.js Layers model folder (model.json: the Keras 2 topology and a weights manifest; binary shards of
// little-endian values) as a yamlnet config and its weights.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

class Graph;

struct ImportedWeights {
  std::vector<std::pair<std::string, Tensor>> tensors;  // manifest name ("dense/kernel") and value
};

// The weights a TF.js model.json's manifest names, read from its shards (paths relative to the model.json).
// Throws DataError naming the file for a missing or short shard or a dtype other than float32.
ImportedWeights read_tfjs_weights(const nlohmann::ordered_json& model_json,
                                  const std::string& model_json_path);

// Sets every parameter of `model` from `weights` by name ("layer/weight"), shapes checked. Throws DataError
// listing the parameters the file lacks, the file's weights the model has no place for, and shape mismatches.
void assign_imported_weights(Graph& model, const ImportedWeights& weights, const std::string& source);

}  // namespace yamlnet
