#include "layers/core/masking.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

std::vector<Shape> Masking::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  if (input_shapes[0].size() < 2)
    throw ShapeError("expects a sequence of shape (timesteps, features) per sample, got " +
                     shape_to_string(input_shapes[0]));
  return {input_shapes[0]};
}

void Masking::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& x = *in.values[0];
  const Index width = x.last_dim(), steps = x.size() / width;
  // The mask's shape is x's without the features, built in place (a Shape temporary would allocate).
  keep_.shape.assign(x.shape.begin(), x.shape.end() - 1);
  keep_.resize(keep_.shape);
  outputs[0].resize(x.shape);
  const Real value = static_cast<Real>(mask_value_);
  for (Index s = 0; s < steps; ++s) {
    const Real* row = x.ptr() + s * width;
    bool any = false;
    for (Index f = 0; f < width && !any; ++f) any = row[f] != value;
    keep_.data[s] = any ? Real(1) : Real(0);
    Real* out = outputs[0].ptr() + s * width;
    for (Index f = 0; f < width; ++f) out[f] = any ? row[f] : Real(0);
  }
}

void Masking::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                       std::vector<Tensor*>& d_inputs) {
  if (!d_inputs[0]) return;
  const Index width = d_outputs[0].last_dim();
  for (Index s = 0; s < keep_.size(); ++s)
    if (keep_.data[s] != 0)
      for (Index f = 0; f < width; ++f) d_inputs[0]->data[s * width + f] += d_outputs[0].data[s * width + f];
}

void Masking::compute_masks(const LayerInputs&, std::vector<Tensor>& output_masks,
                            std::vector<bool>& has_mask) const {
  output_masks[0].resize(keep_.shape);
  output_masks[0].data = keep_.data;
  has_mask[0] = true;
}

LayerInfo masking_info() {
  LayerInfo info;
  info.type = "Masking";
  info.doc =
      "Masks the steps whose features all equal mask_value (they become zeros) for the layers after it.";
  info.args = {float_arg("mask_value", 0.0, "the value that marks padding")};
  info.create = create_layer<Masking>;
  return info;
}

}  // namespace yamlnet
