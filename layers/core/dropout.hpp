#pragma once
// keras.layers.Dropout: inverted dropout in training (kept units scaled by 1/(1-rate)), identity at
// inference.
#include "layers/registry.hpp"

namespace yamlnet {

class Dropout : public Layer {
 public:
  Dropout(const std::string& name, const Args& args) : Layer(name, "Dropout"), rate_(args.number("rate")) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  bool supports_masking() const override { return true; }

 private:
  double rate_;
  bool dropped_ = false;  // whether the last forward pass applied a mask
  Tensor keep_scale_;     // 0 or 1/(1-rate) per element
};

LayerInfo dropout_info();

}  // namespace yamlnet
