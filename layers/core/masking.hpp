#pragma once
// keras.layers.Masking: a step is masked when all its features equal mask_value; masked steps become zeros.
#include "layers/registry.hpp"

namespace yamlnet {

class Masking : public Layer {
 public:
  bool uses_masks() const override { return true; }
  Masking(const std::string& name, const Args& args)
      : Layer(name, "Masking"), mask_value_(args.number("mask_value")) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  void compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                     std::vector<bool>& has_mask) const override;

 private:
  double mask_value_;
  Tensor keep_;  // [B, T]: 1 where any feature differs from mask_value
};

LayerInfo masking_info();

}  // namespace yamlnet
