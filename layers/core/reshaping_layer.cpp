#include "layers/core/reshaping_layer.hpp"

#include <algorithm>
#include <utility>

#include "interpreter/core/threads.hpp"

namespace yamlnet {

void ReshapingLayer::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& x = *in.values[0];
  Tensor& y = outputs[0];
  y.resize_batch(x.batch(), target_);
  // Split as the batch was gathered (split_columns), so each core copies its own part of it.
  const Index row = x.row_size();
  split_columns(x.batch(), row, [&](Index col, Index cols) {
    for (Index r = 0; r < x.batch(); ++r) std::copy_n(x.ptr() + r * row + col, cols, y.ptr() + r * row + col);
  });
}

void ReshapingLayer::take(Tensor& x, Tensor& y) const {
  std::swap(x, y);
  y.resize_batch(y.batch(), target_);
}

void ReshapingLayer::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                              std::vector<Tensor*>& d_inputs) {
  if (d_inputs[0]) d_inputs[0]->array() += d_outputs[0].array();
}

}  // namespace yamlnet
