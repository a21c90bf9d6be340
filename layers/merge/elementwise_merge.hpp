#pragma once
// Keras's elementwise merges: Add, Subtract (two inputs), Multiply, Average, Maximum, Minimum. Inputs have
// the same shape; the output mask is the AND of the inputs' masks (Keras's _Merge).
#include "layers/registry.hpp"

namespace yamlnet {

class ElementwiseMerge : public Layer {
 public:
  bool uses_masks() const override { return true; }
  enum class Op { Add, Subtract, Multiply, Average, Maximum, Minimum };
  ElementwiseMerge(const std::string& name, const std::string& type, Op op) : Layer(name, type), op_(op) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  void compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                     std::vector<bool>& has_mask) const override;

 private:
  Op op_;
  Tensor partial_;  // Multiply: the product of the other inputs
};

LayerInfo add_info();
LayerInfo subtract_info();
LayerInfo multiply_info();
LayerInfo average_info();
LayerInfo maximum_info();
LayerInfo minimum_info();

}  // namespace yamlnet
