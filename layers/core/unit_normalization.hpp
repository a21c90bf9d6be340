#pragma once
// keras.layers.UnitNormalization: each sample scaled to unit L2 norm along the last axis (two-tower models
// normalise both towers before their dot product).
#include "layers/registry.hpp"

namespace yamlnet {

class UnitNormalization : public Layer {
 public:
  UnitNormalization(const std::string& name, const Args&) : Layer(name, "UnitNormalization") {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  bool supports_masking() const override { return true; }

 private:
  Tensor norms_;
};

LayerInfo unit_normalization_info();

// keras.layers.Rescaling: y = x * scale + offset (a fixed temperature before a softmax or a dot product).
class Rescaling : public Layer {
 public:
  Rescaling(const std::string& name, const Args& args)
      : Layer(name, "Rescaling"), scale_(args.number("scale")), offset_(args.number("offset")) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  bool supports_masking() const override { return true; }

 private:
  double scale_, offset_;
};

LayerInfo rescaling_info();

}  // namespace yamlnet
