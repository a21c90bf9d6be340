#include "layers/core/activation_layer.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

std::vector<Shape> ActivationLayer::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  if (input_shapes[0].empty()) throw ShapeError("needs an input of rank >= 1 per sample");
  return {input_shapes[0]};
}

const Tensor* ActivationLayer::logits() const {
  return (activation_.is_sigmoid() || activation_.is_softmax()) ? last_input_ : nullptr;
}

void ActivationLayer::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& x = *in.values[0];
  last_input_ = &x;
  outputs[0].resize(x.shape);
  activation_.forward(x.ptr(), outputs[0].ptr(), x.size() / x.last_dim(), x.last_dim());
}

void ActivationLayer::backward(const LayerInputs& in, const std::vector<Tensor>& outputs,
                               std::vector<Tensor>& d_outputs, std::vector<Tensor*>& d_inputs) {
  if (!d_inputs[0]) return;
  const Tensor& x = *in.values[0];
  Tensor& dy = d_outputs[0];
  if (!gradient_at_logits_)
    activation_.backward(x.ptr(), outputs[0].ptr(), dy.ptr(), dy.ptr(), x.size() / x.last_dim(),
                         x.last_dim());
  d_inputs[0]->array() += dy.array();
}

LayerInfo activation_layer_info() {
  LayerInfo info;
  info.type = "Activation";
  info.doc = "Applies an activation function to its input.";
  info.args = {required(activation_arg("linear"))};
  info.create = create_layer<ActivationLayer>;
  return info;
}

}  // namespace yamlnet
