#pragma once
// keras.layers.LSTM: gates i, f, c, o in the kernel's columns; c = f c' + i g, h = o act(c).
#include "layers/recurrent/recurrent_layer.hpp"

namespace yamlnet {

class Lstm : public RecurrentLayer {
 public:
  Lstm(const std::string& name, const Args& args)
      : RecurrentLayer(name, "LSTM", args, 4, 2),
        unit_forget_bias_(args.boolean("unit_forget_bias")),
        forget_bias_init_(args.get("forget_bias_init")) {}
  void finish_initialization(uint64_t seed) override;

 protected:
  void prepare_cache(Index steps, Index batch) override;
  void cell_forward(Index t, Index r, Index nr) override;
  void cell_backward(Index t, Index r, Index nr) override;

 private:
  bool unit_forget_bias_;
  Value
      forget_bias_init_;  // Keras 1's initializer of the forget gate's bias (None: unit_forget_bias decides)
  Tensor pre_, gates_out_;  // [T*B, 4u]: pre-activations and activated gates i, f, g, o
  Tensor cell_act_;         // [T*B, u]: act(c)
  Tensor dgates_, dc_;      // per step scratch: [B, 4u], [B, u]
};

LayerInfo lstm_info();

}  // namespace yamlnet
