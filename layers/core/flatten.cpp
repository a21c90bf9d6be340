#include "layers/core/flatten.hpp"

namespace yamlnet {

std::vector<Shape> Flatten::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  target_ = {shape_size(input_shapes[0])};
  return {target_};
}

LayerInfo flatten_info() {
  LayerInfo info;
  info.type = "Flatten";
  info.doc = "Flattens each sample to one dimension (row-major). Drops any mask, as Keras 2 does.";
  info.args = {
      enum_arg("data_format", "channels_last", {"channels_last"}, "only channels_last is supported")};
  info.create = create_layer<Flatten>;
  return info;
}

}  // namespace yamlnet
