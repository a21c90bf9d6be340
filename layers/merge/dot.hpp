#pragma once
// keras.layers.Dot: the dot product of two inputs along `axes` (one axis for both, or a pair; counted with
// the batch, as in Keras). Each input is a vector or a matrix per sample; the output keeps the axes that are
// not contracted, the first input's then the second's: vectors give one value per sample, matrices (n, d) and
// (m, d) contracted on d give (n, m), as when one user vector is scored against several item vectors.
// normalize: true makes it a cosine similarity (each input L2-normalised along its contracted axis).
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
  // One input per sample as a (rows, depth) matrix with the contracted axis last: a matrix contracted on its
  // first axis is transposed; a vector is one row.
  struct Operand {
    Index rows = 1, depth = 0;
    bool transposed = false;
    bool matrix = false;  // a matrix keeps its rows in the output; a vector keeps nothing
  };
  // In (rows, depth) order, normalised when asked; `dx` receives (adds) the gradient in the input's layout.
  void gather(const Tensor& x, const Operand& op, Tensor& out) const;
  void scatter_add(const Tensor& d, const Operand& op, Tensor& dx) const;

  std::vector<int64_t> axes_;
  bool normalize_;
  Operand a_op_, b_op_;
  Shape out_shape_;                                  // per sample
  Tensor a_, b_, norms_a_, norms_b_, da_, db_, dn_;  // gathered (normalised) copies, their gradients, scratch
};

LayerInfo dot_info();

}  // namespace yamlnet
