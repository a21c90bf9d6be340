#include "layers/merge/multiply.hpp"

#include "layers/merge/merge_masks.hpp"

namespace yamlnet {

std::vector<Shape> Multiply::build(const std::vector<Shape>& input_shapes) {
  expect_same_shapes(input_shapes, 2);
  return {input_shapes[0]};
}

void Multiply::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  Tensor& y = outputs[0];
  y.resize(in.values[0]->shape);
  y.array() = in.values[0]->array();
  for (size_t i = 1; i < in.values.size(); ++i) y.array() *= in.values[i]->array();
}

void Multiply::backward(const LayerInputs& in, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                        std::vector<Tensor*>& d_inputs) {
  // Products of the other inputs, not y / x_i, so zeros in an input give the right gradient.
  for (size_t i = 0; i < in.values.size(); ++i) {
    if (!d_inputs[i]) continue;
    partial_.resize(d_outputs[0].shape);
    partial_.array() = d_outputs[0].array();
    for (size_t j = 0; j < in.values.size(); ++j)
      if (j != i) partial_.array() *= in.values[j]->array();
    d_inputs[i]->array() += partial_.array();
  }
}

void Multiply::compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                             std::vector<bool>& has_mask) const {
  bool any = false;
  and_of_masks(in, output_masks[0], any);
  has_mask[0] = any;
}

LayerInfo multiply_info() {
  LayerInfo info;
  info.type = "Multiply";
  info.doc = "Elementwise product of its inputs (all of the same shape).";
  info.min_inputs = 2;
  info.max_inputs = SIZE_MAX;
  info.create = create_layer<Multiply>;
  return info;
}

}  // namespace yamlnet
