#include "layers/recurrent/simple_rnn.hpp"

namespace yamlnet {

void SimpleRnn::prepare_cache(Index steps, Index batch) {
  pre_.resize({steps * batch, units_});
  out_.resize({steps * batch, units_});
}

void SimpleRnn::cell_forward(Index t, Index r, Index nr) {
  const Index B = rows(), u = units_;
  auto z = block(pre_, t, B, u).middleRows(r, nr);
  z = xp(t).middleRows(r, nr);
  z.noalias() += hd(t).middleRows(r, nr) * recurrent_kernel().value.matrix(u);
  auto y = block(out_, t, B, u).middleRows(r, nr);
  activation_.forward(z.data(), y.data(), nr, u);
  next_state(0, t).middleRows(r, nr) = y;
}

void SimpleRnn::cell_backward(Index t, Index r, Index nr) {
  const Index B = rows(), u = units_;
  activation_.backward(block(pre_, t, B, u).middleRows(r, nr).data(),
                       block(out_, t, B, u).middleRows(r, nr).data(),
                       d_next_state(0, t).middleRows(r, nr).data(), dxp(t).middleRows(r, nr).data(), nr, u);
}

LayerInfo simple_rnn_info() {
  LayerInfo info;
  info.type = "SimpleRNN";
  info.doc = "Fully connected recurrent layer: h = act(x W + h' U + b).";
  info.args = recurrent_args("sigmoid", false, {});
  info.aliases = recurrent_keras1_aliases();
  info.aliases.erase(info.aliases.begin() + 3);  // no inner_activation: SimpleRNN has no gates
  info.create = create_layer<SimpleRnn>;
  return info;
}

}  // namespace yamlnet
