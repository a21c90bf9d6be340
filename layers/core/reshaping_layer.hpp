#pragma once
// Flatten and Reshape: the same values, row-major, under another per-sample shape. Subclasses only infer it.
#include "layers/registry.hpp"

namespace yamlnet {

class ReshapingLayer : public Layer {
 public:
  using Layer::Layer;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  // forward() for an input that nobody reads afterwards: y takes x's values (no copy) under the target shape,
  // and x is left with y's old buffer, for the next batch to be gathered into.
  void take(Tensor& x, Tensor& y) const;

 protected:
  Shape target_;  // per sample, set by build()
};

}  // namespace yamlnet
