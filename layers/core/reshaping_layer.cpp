#include "layers/core/reshaping_layer.hpp"

namespace yamlnet {

void ReshapingLayer::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& x = *in.values[0];
  outputs[0].resize_batch(x.batch(), target_);
  outputs[0].array() = x.array();
}

void ReshapingLayer::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                              std::vector<Tensor*>& d_inputs) {
  if (d_inputs[0]) d_inputs[0]->array() += d_outputs[0].array();
}

}  // namespace yamlnet
