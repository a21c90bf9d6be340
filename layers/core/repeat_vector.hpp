#pragma once
// keras.layers.RepeatVector: (features) -> (n, features). Emits no mask.
#include "layers/registry.hpp"

namespace yamlnet {

class RepeatVector : public Layer {
 public:
  RepeatVector(const std::string& name, const Args& args)
      : Layer(name, "RepeatVector"), n_(args.integer("n")) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;

 private:
  Index n_;
};

LayerInfo repeat_vector_info();

}  // namespace yamlnet
