#include "layers/core/input_layer.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

std::vector<Shape> InputLayer::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 0);
  return {shape_};
}

LayerInfo input_layer_info() {
  LayerInfo info;
  info.type = "Input";
  info.doc = "A model input: per-sample shape and dtype (keras.Input).";
  info.args = {
      int_list_arg("shape",
                   "per-sample shape, without the batch (or Keras's batch_shape / batch_input_shape: the "
                   "batch size first, null for any)",
                   false, 1),
      enum_arg("dtype", "float32", {"float32", "float64", "int32", "int64"}, "element type of the data"),
      int_arg("batch_size", std::nullopt, "fixed batch size (needed by stateful recurrent layers)", 1)};
  info.min_inputs = 0;
  info.max_inputs = 0;
  info.create = [](const std::string& name, const Args& args) -> std::unique_ptr<Layer> {
    const auto& dims = args.get("shape").ints();
    return std::make_unique<InputLayer>(name, Shape(dims.begin(), dims.end()), args.string("dtype"));
  };
  return info;
}

}  // namespace yamlnet
