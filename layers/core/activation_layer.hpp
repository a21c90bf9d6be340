#pragma once
// keras.layers.Activation: applies an activation function elementwise (softmax on the last axis).
#include "layers/functional/activations.hpp"
#include "layers/layer_roles.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

class ActivationLayer : public Layer, public ExposesLogits {
 public:
  ActivationLayer(const std::string& name, const Args& args)
      : Layer(name, "Activation"),
        activation_(Activation::from_value(args.get("activation"), args.keras_version)) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  bool supports_masking() const override { return true; }
  const Tensor* logits() const override;
  const char* output_activation() const override { return activation_.name().c_str(); }
  void set_gradient_at_logits(bool on) override { gradient_at_logits_ = on; }

 private:
  Activation activation_;
  bool gradient_at_logits_ = false;
  const Tensor* last_input_ = nullptr;  // the logits, for cross-entropy on a sigmoid/softmax output
};

LayerInfo activation_layer_info();

}  // namespace yamlnet
