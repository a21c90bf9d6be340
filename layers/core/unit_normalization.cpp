#include "layers/core/unit_normalization.hpp"

#include "interpreter/core/errors.hpp"
#include "layers/functional/l2_normalize.hpp"

namespace yamlnet {

std::vector<Shape> UnitNormalization::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  if (input_shapes[0].empty()) throw ShapeError("needs an input of rank >= 1 per sample");
  return {input_shapes[0]};
}

void UnitNormalization::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& x = *in.values[0];
  outputs[0].resize(x.shape);
  norms_.resize({x.size() / x.last_dim()});
  l2_normalize_rows(x.ptr(), outputs[0].ptr(), norms_.ptr(), norms_.size(), x.last_dim());
}

void UnitNormalization::backward(const LayerInputs&, const std::vector<Tensor>& outputs,
                                 std::vector<Tensor>& d_outputs, std::vector<Tensor*>& d_inputs) {
  if (!d_inputs[0]) return;
  l2_normalize_rows_backward(outputs[0].ptr(), norms_.ptr(), d_outputs[0].ptr(), d_inputs[0]->ptr(),
                             norms_.size(), outputs[0].last_dim());
}

LayerInfo unit_normalization_info() {
  LayerInfo info;
  info.type = "UnitNormalization";
  info.doc = "Scales each sample to unit L2 norm along the last axis.";
  info.args = {at_most(int_arg("axis", -1, "only the last axis (-1) is supported", -1), -1)};
  info.create = create_layer<UnitNormalization>;
  return info;
}

std::vector<Shape> Rescaling::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  return {input_shapes[0]};
}

void Rescaling::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  outputs[0].resize(in.values[0]->shape);
  outputs[0].array() = in.values[0]->array() * static_cast<Real>(scale_) + static_cast<Real>(offset_);
}

void Rescaling::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                         std::vector<Tensor*>& d_inputs) {
  if (d_inputs[0]) d_inputs[0]->array() += d_outputs[0].array() * static_cast<Real>(scale_);
}

LayerInfo rescaling_info() {
  LayerInfo info;
  info.type = "Rescaling";
  info.doc = "y = x * scale + offset; a fixed temperature (scale = 1 / T) for logits or similarities.";
  info.args = {required(float_arg("scale", std::nullopt, "multiplier")),
               float_arg("offset", 0.0, "added after scaling")};
  info.create = create_layer<Rescaling>;
  return info;
}

}  // namespace yamlnet
