#pragma once
// keras.layers.Multiply: the elementwise product of inputs of the same shape.
#include "layers/registry.hpp"

namespace yamlnet {

class Multiply : public Layer {
 public:
  Multiply(const std::string& name, const Args&) : Layer(name, "Multiply") {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  void compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                     std::vector<bool>& has_mask) const override;

 private:
  Tensor partial_;  // product of all inputs but one, for backward
};

LayerInfo multiply_info();

}  // namespace yamlnet
