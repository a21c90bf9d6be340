#pragma once
// An ONNX graph under construction, in the protobuf classes Debian's libonnx-dev generates from onnx.proto:
// unique value names, weights as initializers, nodes with their attributes.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

namespace yamlnet {

struct OnnxAttr {
  std::string name;
  std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<float>,
               std::vector<std::string>>
      value;
};

class OnnxGraph {
 public:
  explicit OnnxGraph(onnx::GraphProto& graph) : graph_(graph) {}

  // A name no value of the graph has yet: `stem`, else `stem_1`, `stem_2`...
  std::string fresh(const std::string& stem);
  // Weights and other constants, as initializers.
  std::string floats(const std::string& stem, const std::vector<std::int64_t>& dims,
                     const std::vector<float>& values);
  std::string ints(const std::string& stem, const std::vector<std::int64_t>& values);  // 1-D int64
  std::string scalar(const std::string& stem, float value);
  std::string int32_scalar(const std::string& stem, std::int32_t value);
  // Adds a node reading `inputs` (an empty name is an omitted optional input); returns its `outputs` output
  // names, made fresh from `stem`.
  std::vector<std::string> node(const std::string& op, const std::vector<std::string>& inputs,
                                const std::string& stem, const std::vector<OnnxAttr>& attrs = {},
                                size_t outputs = 1);
  std::string op(const std::string& op, const std::vector<std::string>& inputs, const std::string& stem,
                 const std::vector<OnnxAttr>& attrs = {}) {
    return node(op, inputs, stem, attrs)[0];
  }
  // A graph input or output: float32 or int32, with a symbolic batch dimension first.
  void add_input(const std::string& name, onnx::TensorProto::DataType type,
                 const std::vector<std::int64_t>& dims);
  void add_output(const std::string& name, const std::vector<std::int64_t>& dims);

 private:
  onnx::GraphProto& graph_;
  std::unordered_set<std::string> names_;
};

}  // namespace yamlnet
