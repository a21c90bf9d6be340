#pragma once
// keras.layers.TimeDistributed: applies the wrapped layer to every step, as one batch of batch*steps samples.
#include <memory>

#include "layers/layer_roles.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

class TimeDistributed : public Layer, public ExposesLogits {
 public:
  TimeDistributed(const std::string& name, const Args& args);
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  bool supports_masking() const override { return true; }
  void collect_params(std::vector<ParamSlot>& out, const std::string& prefix) override;
  void finish_initialization(uint64_t seed) override { inner_->finish_initialization(seed); }
  // The wrapped layer's logits, when it exposes them.
  const Tensor* logits() const override { return inner_logits_ ? inner_logits_->logits() : nullptr; }
  const char* output_activation() const override {
    return inner_logits_ ? inner_logits_->output_activation() : "linear";
  }
  void set_gradient_at_logits(bool on) override {
    if (inner_logits_) inner_logits_->set_gradient_at_logits(on);
  }

 private:
  std::unique_ptr<Layer> inner_;
  ExposesLogits* inner_logits_ = nullptr;  // inner_'s role, when it has it
  Shape inner_out_shape_;
  Tensor folded_in_;                           // [B*T, ...]
  std::vector<Tensor> folded_out_, folded_d_;  // the wrapped layer's outputs and their gradients
  Tensor folded_din_;
  // The wrapped layer's view of folded_in_ and its input-gradient slot, made once (not per step).
  LayerInputs inner_in_{{&folded_in_}, {nullptr}};
  std::vector<Tensor*> inner_d_in_{nullptr};
};

LayerInfo time_distributed_info();

}  // namespace yamlnet
