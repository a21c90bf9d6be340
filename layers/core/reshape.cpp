#include "layers/core/reshape.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

Reshape::Reshape(const std::string& name, const Args& args) : ReshapingLayer(name, "Reshape") {
  const auto& dims = args.get("target_shape").ints();
  requested_.assign(dims.begin(), dims.end());
}

std::vector<Shape> Reshape::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  const Index total = shape_size(input_shapes[0]);
  target_ = requested_;
  Index known = 1;
  int unknown = -1;
  for (size_t i = 0; i < target_.size(); ++i) {
    if (target_[i] == -1) {
      if (unknown >= 0) throw ShapeError("target_shape may contain only one -1", "target_shape");
      unknown = static_cast<int>(i);
    } else if (target_[i] <= 0) {
      throw ShapeError("target_shape entries must be positive or -1", "target_shape");
    } else {
      known *= target_[i];
    }
  }
  if (unknown >= 0) {
    if (total % known != 0)
      throw ShapeError("cannot reshape " + shape_to_string(input_shapes[0], false) + " (" +
                           std::to_string(total) + " values) to " + shape_to_string(target_, false),
                       "target_shape");
    target_[unknown] = total / known;
  } else if (known != total) {
    throw ShapeError("cannot reshape " + shape_to_string(input_shapes[0], false) + " (" +
                         std::to_string(total) + " values) to " + shape_to_string(target_, false) + " (" +
                         std::to_string(known) + " values)",
                     "target_shape");
  }
  return {target_};
}

LayerInfo reshape_info() {
  LayerInfo info;
  info.type = "Reshape";
  info.doc = "Reshapes each sample to target_shape (without the batch); one entry may be -1.";
  info.args = {int_list_arg("target_shape", "per-sample output shape", true, -1)};
  info.create = create_layer<Reshape>;
  return info;
}

}  // namespace yamlnet
