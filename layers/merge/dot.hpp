#pragma once
// keras.layers.Dot: the dot product of two inputs along `axes` (counted with the batch, as in Keras). Vectors
// give one value per sample; matrices (n, d) and (m, d) contracted on their last axis give (n, m), as when
// one user vector is scored against several item vectors. normalize: true makes it a cosine similarity.
#include "layers/registry.hpp"

namespace yamlnet {

class Dot : public Layer {
 public:
  Dot(const std::string& name, const Args& args);
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;

 private:
  std::vector<int64_t> axes_;
  bool normalize_;
  Index rows_a_ = 1, rows_b_ = 1, depth_ = 0;   // per sample: A (rows_a, depth), B (rows_b, depth)
  Tensor a_, b_, norms_a_, norms_b_, da_, db_;  // normalised copies and their gradients
};

LayerInfo dot_info();

}  // namespace yamlnet
