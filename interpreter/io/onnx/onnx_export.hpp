#pragma once
// A model with its weights as an ONNX model (opset 17), written with the protobuf classes of onnx.proto.
#include <string>
#include <vector>

#include "interpreter/graph/model.hpp"

namespace yamlnet {

// Writes `model` to `path` (atomically). Its graph outputs are the model's outputs, or the layers `outputs`
// names ("user_vector", "lstm:1": a user tower alone). Throws UsageError naming the first layer without an
// exact ONNX form.
void write_onnx(Model& model, const std::vector<std::string>& outputs, const std::string& path);

}  // namespace yamlnet
