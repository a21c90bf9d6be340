#pragma once
// keras.layers.Flatten: each sample becomes one row, in row-major order.
#include "layers/registry.hpp"

namespace yamlnet {

class Flatten : public Layer {
 public:
  explicit Flatten(const std::string& name) : Layer(name, "Flatten") {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;

 private:
  Index size_ = 0;
};

LayerInfo flatten_info();

// Shared by Flatten and Reshape: the same buffer under another per-sample shape.
void copy_with_shape(const Tensor& x, const Shape& per_sample, Tensor& y);

}  // namespace yamlnet
