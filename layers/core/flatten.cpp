#include "layers/core/flatten.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

void copy_with_shape(const Tensor& x, const Shape& per_sample, Tensor& y) {
  y.resize(with_batch(x.batch(), per_sample));
  y.array() = x.array();
}

std::vector<Shape> Flatten::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  size_ = shape_size(input_shapes[0]);
  return {{size_}};
}

void Flatten::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  copy_with_shape(*in.values[0], {size_}, outputs[0]);
}

void Flatten::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                       std::vector<Tensor*>& d_inputs) {
  if (d_inputs[0]) d_inputs[0]->array() += d_outputs[0].array();
}

LayerInfo flatten_info() {
  LayerInfo info;
  info.type = "Flatten";
  info.doc = "Flattens each sample to one dimension (row-major). Drops any mask, as Keras 2 does.";
  info.args = {
      enum_arg("data_format", "channels_last", {"channels_last"}, "only channels_last is supported")};
  info.create = [](const std::string& name, const Args&) -> std::unique_ptr<Layer> {
    return std::make_unique<Flatten>(name);
  };
  return info;
}

}  // namespace yamlnet
