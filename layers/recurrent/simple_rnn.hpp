#pragma once
// keras.layers.SimpleRNN: h = act(x W + h' U + b).
#include "layers/recurrent/recurrent_layer.hpp"

namespace yamlnet {

class SimpleRnn : public RecurrentLayer {
 public:
  SimpleRnn(const std::string& name, const Args& args) : RecurrentLayer(name, "SimpleRNN", args, 1, 1) {}

 protected:
  void prepare_cache(Index steps, Index batch) override;
  void cell_forward(Index t, Index r, Index nr) override;
  void cell_backward(Index t, Index r, Index nr) override;

 private:
  Tensor pre_, out_;  // [T*B, u]
};

LayerInfo simple_rnn_info();

}  // namespace yamlnet
