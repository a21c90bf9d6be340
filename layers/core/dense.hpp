#pragma once
// keras.layers.Dense: y = activation(x W + b), on the last axis of inputs of any rank.
#include "layers/functional/activations.hpp"
#include "layers/layer_roles.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

class Dense : public Layer, public ExposesLogits {
 public:
  Dense(const std::string& name, const Args& args);
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  bool supports_masking() const override { return true; }
  const Tensor* logits() const override;
  const char* output_activation() const override { return activation_.name().c_str(); }
  void set_gradient_at_logits(bool on) override { gradient_at_logits_ = on; }

 private:
  WeightArgs kernel_, bias_;  // handed to the parameters at build
  Index units_ = 0, input_dim_ = 0;
  bool use_bias_ = true;
  Activation activation_;
  bool gradient_at_logits_ = false;
  Tensor pre_activation_;  // cached for backward when the activation is not linear
  Tensor partial_;         // partial sums of the forward product when it is split over threads
};

LayerInfo dense_info();

}  // namespace yamlnet
