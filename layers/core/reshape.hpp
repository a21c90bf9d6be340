#pragma once
// keras.layers.Reshape: the same values under another per-sample shape (one -1 is inferred).
#include "layers/registry.hpp"

namespace yamlnet {

class Reshape : public Layer {
 public:
  Reshape(const std::string& name, const Args& args);
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;

 private:
  Shape target_;
};

LayerInfo reshape_info();

}  // namespace yamlnet
