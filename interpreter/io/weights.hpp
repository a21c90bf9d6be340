#pragma once
// The weights file: JSON made to be diffed (one row per line, keys in graph order, shortest float32 text).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

class Graph;
struct ModelSpec;

// A hash of the model's architecture (inputs, layers and their arguments, outputs), written into weights
// files.
std::string spec_sha256(const ModelSpec& spec);

// The file's text; same weights give the same bytes.
std::string weights_to_json(Graph& model);
void save_weights(Graph& model, const std::string& path);

// Checks every tensor's presence, shape and values before touching the model, and lists every mismatch at
// once (WeightsError). Returns warnings (e.g. a different spec hash).
std::vector<std::string> load_weights(Graph& model, const std::string& path);
std::vector<std::string> load_weights_from_text(Graph& model, std::string_view text, const std::string& path);
// Keras's load_weights(by_name=True) with renaming: fills the layers named as keys of `layer_map` from the
// tensors of the layers named as its values; every other layer keeps its values.
std::vector<std::string> load_weights_from_text(Graph& model, std::string_view text, const std::string& path,
                                                const std::map<std::string, std::string>* layer_map);

// A weights file read without a model (diff, weights-summary): tensors in file order.
struct WeightsTensor {
  std::string name;
  Shape shape;
  std::vector<Real> data;
};
struct WeightsFile {
  std::string model;
  std::vector<WeightsTensor> tensors;
};
WeightsFile read_weights_file(const std::string& path);
WeightsFile parse_weights_file(std::string_view text, const std::string& path);

// Shortest decimal text that reads back as the same float32.
std::string format_float(float value);

}  // namespace yamlnet
