#include "layers/merge/merge_masks.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

void and_of_masks(const LayerInputs& in, Tensor& output_mask, bool& has_mask) {
  has_mask = false;
  for (const Tensor* m : in.masks) {
    if (!m) continue;
    if (!has_mask) {
      output_mask.resize(m->shape);
      output_mask.array() = m->array();
      has_mask = true;
    } else {
      output_mask.array() *= m->array();
    }
  }
}

void expect_same_shapes(const std::vector<Shape>& input_shapes, size_t min_inputs) {
  if (input_shapes.size() < min_inputs)
    throw ShapeError("needs at least " + std::to_string(min_inputs) + " inputs, got " +
                     std::to_string(input_shapes.size()));
  for (size_t i = 1; i < input_shapes.size(); ++i)
    if (input_shapes[i] != input_shapes[0])
      throw ShapeError("input shapes " + shape_to_string(input_shapes[0], false) + " and " +
                       shape_to_string(input_shapes[i], false) + " differ");
}

}  // namespace yamlnet
