#pragma once
// Each layer type's exact ONNX form, one registry entry per type. A type without an entry (or a layer whose
// arguments have no exact form: a stateful LSTM, a mask in the middle of a sequence) is refused by the
// exporter with a message naming the layer.
#include <string>
#include <vector>

#include "interpreter/graph/graph.hpp"
#include "interpreter/io/onnx/onnx_graph.hpp"

namespace yamlnet {

// A value of the ONNX graph, with the Keras mask that travels with it: float32 [batch, steps], 1 where the
// step is valid (empty when there is none).
struct OnnxValue {
  std::string name;
  std::string mask;
  bool ids = false;  // int32 (a model input of ids), else float32
};

// Thrown for a layer (or an argument of it) without an exact ONNX form; the exporter adds the layer's name.
struct OnnxUnsupported {
  std::string reason;
};

using OnnxEmitter = std::vector<OnnxValue> (*)(OnnxGraph& graph, const Node& node,
                                               const std::vector<OnnxValue>& inputs);

// The emitter of a layer type, or nullptr.
OnnxEmitter onnx_emitter(const std::string& type);
std::vector<std::string> onnx_layer_types();

}  // namespace yamlnet
