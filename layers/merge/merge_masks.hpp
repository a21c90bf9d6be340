#pragma once
// Keras's _Merge mask rule for elementwise merges: the AND of the inputs' masks, none when no input has one.
#include "layers/layer.hpp"

namespace yamlnet {

void and_of_masks(const LayerInputs& in, Tensor& output_mask, bool& has_mask);

// Elementwise merges need identical per-sample shapes.
void expect_same_shapes(const std::vector<Shape>& input_shapes, size_t min_inputs);

}  // namespace yamlnet
