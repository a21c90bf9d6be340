#pragma once
// keras.layers.GRU: gates z, r, h. reset_after (Keras 2's default) applies the reset gate after the recurrent
// product and keeps a second bias row for it; without it, the candidate reads (r * h) U_h.
#include "layers/recurrent/recurrent_layer.hpp"

namespace yamlnet {

class Gru : public RecurrentLayer {
 public:
  Gru(const std::string& name, const Args& args)
      : RecurrentLayer(name, "GRU", args, 3, 1), reset_after_(args.boolean("reset_after")) {}
  bool reset_after() const { return reset_after_; }

 protected:
  Shape bias_shape() const override { return reset_after_ ? Shape{2, 3 * units_} : Shape{3 * units_}; }
  bool shares_preactivation_grads() const override { return false; }
  void prepare_cache(Index steps, Index batch) override;
  void cell_forward(Index t, Index r, Index nr) override;
  void cell_backward(Index t, Index r, Index nr) override;
  void recurrent_backward(Index t, Index r, Index nr, MatrixMap d_hd) override;
  bool reads_transposed_recurrent_kernel() const override { return reset_after_; }
  void accumulate_recurrent_step(Index t, Index r, Index nr, MatrixMap d_recurrent, Real* d_bias) override;

 private:
  bool reset_after_;
  Tensor pre_, gates_out_;  // [T*B, 3u]: pre-activations and activated z, r, hh
  Tensor rec_h_;            // [T*B, u]: reset_after: (hd U_h + b); otherwise r * hd (the input of U_h)
  Tensor rec_, scratch_;    // per step: [B, 3u] recurrent product, [B, u]
};

LayerInfo gru_info();

}  // namespace yamlnet
