#include "layers/merge/elementwise_merge.hpp"

#include "interpreter/core/errors.hpp"
#include "layers/merge/merge_masks.hpp"

namespace yamlnet {

std::vector<Shape> ElementwiseMerge::build(const std::vector<Shape>& input_shapes) {
  expect_same_shapes(input_shapes, 2);
  if (op_ == Op::Subtract && input_shapes.size() != 2)
    throw ShapeError("takes exactly 2 inputs, got " + std::to_string(input_shapes.size()));
  return {input_shapes[0]};
}

void ElementwiseMerge::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  Tensor& y = outputs[0];
  y.resize(in.values[0]->shape);
  auto out = y.array();
  out = in.values[0]->array();
  for (size_t i = 1; i < in.values.size(); ++i) {
    const auto x = in.values[i]->array();
    switch (op_) {
      case Op::Add:
      case Op::Average:
        out += x;
        break;
      case Op::Subtract:
        out -= x;
        break;
      case Op::Multiply:
        out *= x;
        break;
      case Op::Maximum:
        out = out.max(x);
        break;
      case Op::Minimum:
        out = out.min(x);
        break;
    }
  }
  if (op_ == Op::Average) out /= static_cast<Real>(in.values.size());
}

void ElementwiseMerge::backward(const LayerInputs& in, const std::vector<Tensor>& outputs,
                                std::vector<Tensor>& d_outputs, std::vector<Tensor*>& d_inputs) {
  const auto dy = d_outputs[0].array();
  const size_t n = in.values.size();
  if (op_ == Op::Maximum || op_ == Op::Minimum) {
    // The gradient goes to the first input that holds the extreme value (TensorFlow's tie rule).
    const Tensor& y = outputs[0];
    for (Index k = 0; k < y.size(); ++k)
      for (size_t i = 0; i < n; ++i)
        if (in.values[i]->data[k] == y.data[k]) {
          if (d_inputs[i]) d_inputs[i]->data[k] += d_outputs[0].data[k];
          break;
        }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!d_inputs[i]) continue;
    auto dx = d_inputs[i]->array();
    switch (op_) {
      case Op::Add:
        dx += dy;
        break;
      case Op::Average:
        dx += dy / static_cast<Real>(n);
        break;
      case Op::Subtract:
        if (i == 0)
          dx += dy;
        else
          dx -= dy;
        break;
      case Op::Multiply:
        // Products of the other inputs, not y / x_i, so zeros in an input give the right gradient.
        partial_.resize(d_outputs[0].shape);
        partial_.array() = dy;
        for (size_t j = 0; j < n; ++j)
          if (j != i) partial_.array() *= in.values[j]->array();
        dx += partial_.array();
        break;
      default:
        break;
    }
  }
}

void ElementwiseMerge::compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                                     std::vector<bool>& has_mask) const {
  bool any = false;
  and_of_masks(in, output_masks[0], any);
  has_mask[0] = any;
}

namespace {

LayerInfo merge_info(const std::string& type, ElementwiseMerge::Op op, const std::string& doc,
                     size_t max_inputs) {
  LayerInfo info;
  info.type = type;
  info.doc = doc;
  info.min_inputs = 2;
  info.max_inputs = max_inputs;
  info.create = [type, op](const std::string& name, const Args&) -> std::unique_ptr<Layer> {
    return std::make_unique<ElementwiseMerge>(name, type, op);
  };
  return info;
}

}  // namespace

LayerInfo add_info() {
  return merge_info("Add", ElementwiseMerge::Op::Add, "Elementwise sum of its inputs.", SIZE_MAX);
}
LayerInfo subtract_info() {
  return merge_info("Subtract", ElementwiseMerge::Op::Subtract, "First input minus the second.", 2);
}
LayerInfo multiply_info() {
  return merge_info("Multiply", ElementwiseMerge::Op::Multiply,
                    "Elementwise product of its inputs (all of the same shape).", SIZE_MAX);
}
LayerInfo average_info() {
  return merge_info("Average", ElementwiseMerge::Op::Average, "Elementwise mean of its inputs.", SIZE_MAX);
}
LayerInfo maximum_info() {
  return merge_info("Maximum", ElementwiseMerge::Op::Maximum, "Elementwise maximum of its inputs.", SIZE_MAX);
}
LayerInfo minimum_info() {
  return merge_info("Minimum", ElementwiseMerge::Op::Minimum, "Elementwise minimum of its inputs.", SIZE_MAX);
}

}  // namespace yamlnet
