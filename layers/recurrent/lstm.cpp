#include "layers/recurrent/lstm.hpp"

#include <algorithm>

#include "interpreter/core/gemm.hpp"
#include "interpreter/core/random.hpp"
#include "layers/functional/initializers.hpp"

namespace yamlnet {

void Lstm::finish_initialization(uint64_t seed) {
  if (!bias()) return;
  Real* forget = bias()->value.ptr() + units_;
  if (!forget_bias_init_.is_none()) {
    // Keras 1 kept the forget gate's bias apart (b_f) with an initializer of its own.
    Random rng(seed ^ fnv1a(name() + "/forget_bias"));
    initialize(forget_bias_init_, {units_}, forget, rng);
    return;
  }
  // Keras 2: bias = [initializer(u), ones(u), initializer(2u)] so the forget gate starts open.
  if (unit_forget_bias_) std::fill_n(forget, units_, Real(1));
}

void Lstm::prepare_cache(Index steps, Index batch) {
  pre_.resize({steps * batch, 4 * units_});
  gates_out_.resize({steps * batch, 4 * units_});
  cell_act_.resize({steps * batch, units_});
  dgates_.resize({batch, 4 * units_});
  dc_.resize({batch, units_});
}

void Lstm::cell_forward(Index t, Index r, Index nr) {
  const Index B = rows(), u = units_, G = 4 * u;
  auto z = block(pre_, t, B, G).middleRows(r, nr);
  // The input projection first and the product added to it (beta 1), so the projection takes no pass of its
  // own. Through gemm(): a band of 32 rows uses each value of U for only 32 rows, so packing U at every step
  // (OpenBLAS's path for 2M multiply-adds) cost half as much as the product itself in the profile; gemm()'s
  // pieces run the small kernels, which read U in place (+3-7% in interleaved runs, docs/benchmarks.md).
  z = xp(t).middleRows(r, nr);
  gemm(Op::plain, hd(t).middleRows(r, nr), Op::plain, recurrent_kernel().value.matrix(G), z, 1);
  Real* g_all = block(gates_out_, t, B, G).data();
  for (Index k = 0; k < 4; ++k)  // i, f, o: recurrent_activation; c: activation
    apply_region(k == 2 ? activation_ : recurrent_activation_, block(pre_, t, B, G).data(), g_all, r, nr,
                 k * u, u, G);
  // c = f * c_prev + i * g and h = o * act(c).
  const auto g = block(gates_out_, t, B, G).middleRows(r, nr);
  auto c = next_state(1, t).middleRows(r, nr);
  c = g.middleCols(u, u).cwiseProduct(state(1, t).middleRows(r, nr)) +
      g.leftCols(u).cwiseProduct(g.middleCols(2 * u, u));
  auto ca = block(cell_act_, t, B, u).middleRows(r, nr);
  activation_.forward(c.data(), ca.data(), nr, u);
  next_state(0, t).middleRows(r, nr) = g.rightCols(u).cwiseProduct(ca);
}

void Lstm::cell_backward(Index t, Index r, Index nr) {
  const Index B = rows(), u = units_, G = 4 * u;
  const auto g = block(gates_out_, t, B, G).middleRows(r, nr);
  const auto ca = block(cell_act_, t, B, u).middleRows(r, nr);
  const auto dh = d_next_state(0, t).middleRows(r, nr);
  auto dg = dgates_.matrix(G).middleRows(r, nr);
  // Through h = o * act(c): the output gate, and c's total gradient.
  dg.rightCols(u) = dh.cwiseProduct(ca);
  auto dc = dc_.matrix(u).middleRows(r, nr);
  dc = dh.cwiseProduct(g.rightCols(u));
  // For valid rows the blended state at t+1 is the fresh c (masked rows carry no gradient here).
  activation_.backward(state(1, t + 1).middleRows(r, nr).data(), ca.data(), dc.data(), dc.data(), nr, u);
  dc += d_next_state(1, t).middleRows(r, nr);
  const auto c_prev = state(1, t).middleRows(r, nr);
  dg.leftCols(u) = dc.cwiseProduct(g.middleCols(2 * u, u));
  dg.middleCols(u, u) = dc.cwiseProduct(c_prev);
  dg.middleCols(2 * u, u) = dc.cwiseProduct(g.leftCols(u));
  dprev(1, t).matrix(u).middleRows(r, nr) += dc.cwiseProduct(g.middleCols(u, u));
  const Real* z = block(pre_, t, B, G).data();
  Real* dz = dxp(t).data();
  const Real* all_g = block(gates_out_, t, B, G).data();
  const Real* all_dg = dgates_.ptr();
  for (Index k = 0; k < 4; ++k)
    apply_region_backward(k == 2 ? activation_ : recurrent_activation_, z, all_g, all_dg, dz, r, nr, k * u, u,
                          G);
}

LayerInfo lstm_info() {
  LayerInfo info;
  info.type = "LSTM";
  info.doc =
      "Long short-term memory (Hochreiter 1997): gates i, f, c, o; Keras 1's gates default to hard_sigmoid.";
  info.args = recurrent_args("sigmoid", true,
                             {bool_arg("unit_forget_bias", true, "start the forget gate's bias at 1"),
                              function_arg("forget_bias_init", initializer_family(), std::nullopt,
                                           "Keras 1: the forget gate's bias initializer (`one`, `zero`, "
                                           "`uniform`...); given, it replaces unit_forget_bias")});
  info.aliases = recurrent_keras1_aliases();

  info.create = create_layer<Lstm>;
  return info;
}

}  // namespace yamlnet
