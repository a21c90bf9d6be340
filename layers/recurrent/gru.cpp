#include "layers/recurrent/gru.hpp"

#include "interpreter/core/gemm.hpp"

namespace yamlnet {

void Gru::prepare_cache(Index steps, Index batch) {
  pre_.resize({steps * batch, 3 * units_});
  gates_out_.resize({steps * batch, 3 * units_});
  rec_h_.resize({steps * batch, units_});
  rec_.resize({batch, 3 * units_});
  scratch_.resize({batch, units_});
}

void Gru::cell_forward(Index t, Index r, Index nr) {
  const Index B = rows(), u = units_, G = 3 * u;
  const auto U = recurrent_kernel().value.matrix(G);
  auto z = block(pre_, t, B, G).middleRows(r, nr);
  auto g = block(gates_out_, t, B, G).middleRows(r, nr);
  auto rh = block(rec_h_, t, B, u).middleRows(r, nr);
  auto rec = rec_.matrix(G).middleRows(r, nr);
  const auto h = hd(t).middleRows(r, nr);
  const auto x = xp(t).middleRows(r, nr);
  if (reset_after_) {
    rec.noalias() = h * U;
    if (bias()) rec.rowwise() += ConstRowVectorMap(bias()->value.ptr() + G, G);  // the recurrent bias row
  } else {
    rec.leftCols(2 * u).noalias() = h * U.leftCols(2 * u);
  }
  z.leftCols(2 * u) = x.leftCols(2 * u) + rec.leftCols(2 * u);
  const Real* z_all = block(pre_, t, B, G).data();
  Real* g_all = block(gates_out_, t, B, G).data();
  apply_region(recurrent_activation_, z_all, g_all, r, nr, 0, 2 * u, G);  // z and r
  const auto reset = g.middleCols(u, u);
  if (reset_after_) {
    rh = rec.rightCols(u);
    z.rightCols(u) = x.rightCols(u) + reset.cwiseProduct(rh);
  } else {
    rh = reset.cwiseProduct(h);
    z.rightCols(u) = x.rightCols(u);
    z.rightCols(u).noalias() += rh * U.rightCols(u);
  }
  apply_region(activation_, z_all, g_all, r, nr, 2 * u, u, G);
  const auto zg = g.leftCols(u);
  next_state(0, t).middleRows(r, nr).array() =
      zg.array() * state(0, t).middleRows(r, nr).array() + (Real(1) - zg.array()) * g.rightCols(u).array();
}

void Gru::cell_backward(Index t, Index r, Index nr) {
  const Index B = rows(), u = units_, G = 3 * u;
  const auto g = block(gates_out_, t, B, G).middleRows(r, nr);
  const auto zg = g.leftCols(u), reset = g.middleCols(u, u), hh = g.rightCols(u);
  const auto rh = block(rec_h_, t, B, u).middleRows(r, nr);
  const auto dh = d_next_state(0, t).middleRows(r, nr);
  auto dg = rec_.matrix(G).middleRows(r, nr);  // reused as d(activated gates)
  dg.leftCols(u) = dh.cwiseProduct(state(0, t).middleRows(r, nr) - hh);
  dg.rightCols(u).array() = dh.array() * (Real(1) - zg.array());
  dprev(0, t).matrix(u).middleRows(r, nr) += dh.cwiseProduct(zg);
  const Real* z_all = block(pre_, t, B, G).data();
  const Real* g_all = block(gates_out_, t, B, G).data();
  const Real* dg_all = rec_.ptr();
  Real* dz_all = dxp(t).data();
  apply_region_backward(activation_, z_all, g_all, dg_all, dz_all, r, nr, 2 * u, u, G);
  auto dz = dxp(t).middleRows(r, nr);
  const auto dpre_h = dz.rightCols(u);
  if (reset_after_) {
    dg.middleCols(u, u) = dpre_h.cwiseProduct(rh);
  } else {
    // d(r * hd) = dpre_h U_h^T; kept in scratch_ for recurrent_backward.
    auto d_rh = scratch_.matrix(u).middleRows(r, nr);
    d_rh.noalias() = dpre_h * recurrent_kernel().value.matrix(G).rightCols(u).transpose();
    dg.middleCols(u, u) = d_rh.cwiseProduct(hd(t).middleRows(r, nr));
  }
  apply_region_backward(recurrent_activation_, z_all, g_all, dg_all, dz_all, r, nr, 0, 2 * u, G);
  auto d_rec = drp(t).middleRows(r, nr);
  d_rec.leftCols(2 * u) = dz.leftCols(2 * u);
  if (reset_after_)
    d_rec.rightCols(u) = dpre_h.cwiseProduct(reset);
  else
    d_rec.rightCols(u) = dpre_h;
}

void Gru::recurrent_backward(Index t, Index r, Index nr, MatrixMap d_hd) {
  // With reset_after, d hd = d z U^T over all three gates, the base class's product.
  if (reset_after_) {
    RecurrentLayer::recurrent_backward(t, r, nr, d_hd);
    return;
  }
  const Index u = units_, G = 3 * u;
  const auto U = recurrent_kernel().value.matrix(G);
  auto d = d_hd.middleRows(r, nr);
  const auto d_rec = drp(t).middleRows(r, nr);
  d.noalias() = d_rec.leftCols(2 * u) * U.leftCols(2 * u).transpose();
  d += scratch_.matrix(u).middleRows(r, nr).cwiseProduct(
      block(gates_out_, t, rows(), G).middleRows(r, nr).middleCols(u, u));
}

void Gru::accumulate_recurrent_step(Index t, Index r, Index nr, MatrixMap d_recurrent, Real* d_bias) {
  const Index u = units_, G = 3 * u;
  const auto h = hd(t).middleRows(r, nr);
  const auto d = drp(t).middleRows(r, nr);
  if (reset_after_) {
    gemm(Op::transposed, h, Op::plain, d, d_recurrent, 1);
    if (d_bias) RowVectorMap(d_bias + G, G) += d.colwise().sum();  // the recurrent bias row
    return;
  }
  gemm(Op::transposed, h, Op::plain, d.leftCols(2 * u), d_recurrent.leftCols(2 * u), 1);
  gemm(Op::transposed, block(rec_h_, t, rows(), u).middleRows(r, nr), Op::plain, d.rightCols(u),
       d_recurrent.rightCols(u), 1);
}

LayerInfo gru_info() {
  LayerInfo info;
  info.type = "GRU";
  info.doc =
      "Gated recurrent unit (Cho et al. 2014): gates z, r, h; Keras 1 applies the reset before the "
      "recurrent product (reset_after false).";
  info.args = recurrent_args(
      "sigmoid", true,
      {keras_default(
          bool_arg("reset_after", true, "apply the reset gate after the recurrent product (Keras 1: false)"),
          1, "false")});
  info.aliases = recurrent_keras1_aliases();
  info.create = create_layer<Gru>;
  return info;
}

}  // namespace yamlnet
