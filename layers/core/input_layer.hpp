#pragma once
// A model input. The executor writes the batch into its output; it computes nothing itself.
#include "layers/registry.hpp"

namespace yamlnet {

class InputLayer : public Layer {
 public:
  InputLayer(const std::string& name, Shape shape, std::string dtype)
      : Layer(name, "InputLayer"), shape_(std::move(shape)), dtype_(std::move(dtype)) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs&, std::vector<Tensor>&, const RunContext&) override {}
  void backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>&,
                std::vector<Tensor*>&) override {}
  const Shape& shape() const { return shape_; }
  const std::string& dtype() const { return dtype_; }
  bool is_integer() const { return dtype_.rfind("int", 0) == 0; }

 private:
  Shape shape_;
  std::string dtype_;
};

LayerInfo input_layer_info();

}  // namespace yamlnet
