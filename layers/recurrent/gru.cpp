#include "layers/recurrent/gru.hpp"

namespace yamlnet {

void Gru::prepare_cache(Index steps, Index batch) {
  pre_.resize({steps * batch, 3 * units_});
  gates_out_.resize({steps * batch, 3 * units_});
  rec_h_.resize({steps * batch, units_});
  rec_.resize({batch, 3 * units_});
  scratch_.resize({batch, units_});
}

void Gru::cell_forward(Index t) {
  const Index B = rows(), u = units_, G = 3 * u;
  const auto U = recurrent_kernel().value.matrix(G);
  auto z = block(pre_, t, B, G);
  auto g = block(gates_out_, t, B, G);
  auto rh = block(rec_h_, t, B, u);
  auto rec = rec_.matrix(G);
  if (reset_after_) {
    rec.noalias() = hd(t) * U;
    if (bias()) rec.rowwise() += ConstRowVectorMap(bias()->value.ptr() + G, G);  // the recurrent bias row
  } else {
    rec.leftCols(2 * u).noalias() = hd(t) * U.leftCols(2 * u);
  }
  z.leftCols(2 * u) = xp(t).leftCols(2 * u) + rec.leftCols(2 * u);
  for (Index k : {0, 1}) apply_block(recurrent_activation_, z.data(), g.data(), k, G);
  const auto r = g.middleCols(u, u);
  if (reset_after_) {
    rh = rec.rightCols(u);
    z.rightCols(u) = xp(t).rightCols(u) + r.cwiseProduct(rh);
  } else {
    rh = r.cwiseProduct(hd(t));
    z.rightCols(u) = xp(t).rightCols(u);
    z.rightCols(u).noalias() += rh * U.rightCols(u);
  }
  apply_block(activation_, z.data(), g.data(), 2, G);
  const auto zg = g.leftCols(u);
  next_[0].matrix(u).array() =
      zg.array() * state(0, t).array() + (Real(1) - zg.array()) * g.rightCols(u).array();
}

void Gru::cell_backward(Index t) {
  const Index B = rows(), u = units_, G = 3 * u;
  const auto g = block(gates_out_, t, B, G);
  const auto zg = g.leftCols(u), r = g.middleCols(u, u), hh = g.rightCols(u);
  const auto rh = block(rec_h_, t, B, u);
  const auto dh = dnext_[0].matrix(u);
  auto dg = rec_.matrix(G);  // reused as d(activated gates)
  dg.leftCols(u) = dh.cwiseProduct(state(0, t) - hh);
  dg.rightCols(u).array() = dh.array() * (Real(1) - zg.array());
  dprev_[0].matrix(u) += dh.cwiseProduct(zg);
  const auto z = block(pre_, t, B, G);
  auto dz = dxp(t);
  apply_block_backward(activation_, z.data(), g.data(), dg.data(), dz.data(), 2, G);
  const auto dpre_h = dz.rightCols(u);
  if (reset_after_) {
    dg.middleCols(u, u) = dpre_h.cwiseProduct(rh);
  } else {
    // d(r * hd) = dpre_h U_h^T; kept in scratch_ for recurrent_backward.
    scratch_.matrix(u).noalias() = dpre_h * recurrent_kernel().value.matrix(G).rightCols(u).transpose();
    dg.middleCols(u, u) = scratch_.matrix(u).cwiseProduct(hd(t));
  }
  for (Index k : {0, 1})
    apply_block_backward(recurrent_activation_, z.data(), g.data(), dg.data(), dz.data(), k, G);
  auto d_rec = drp(t);
  d_rec.leftCols(2 * u) = dz.leftCols(2 * u);
  if (reset_after_)
    d_rec.rightCols(u) = dpre_h.cwiseProduct(r);
  else
    d_rec.rightCols(u) = dpre_h;
}

void Gru::recurrent_backward(Index t, MatrixMap d_hd) {
  const Index u = units_, G = 3 * u;
  const auto U = recurrent_kernel().value.matrix(G);
  if (reset_after_) {
    d_hd.noalias() = drp(t) * U.transpose();
    return;
  }
  d_hd.noalias() = drp(t).leftCols(2 * u) * U.leftCols(2 * u).transpose();
  d_hd += scratch_.matrix(u).cwiseProduct(block(gates_out_, t, rows(), G).middleCols(u, u));
}

void Gru::accumulate_recurrent_kernel_grad() {
  const Index u = units_, G = 3 * u;
  auto dU = recurrent_kernel().grad.matrix(G);
  if (reset_after_) {
    dU.noalias() += hd_tensor().matrix(u).transpose() * drp_.matrix(G);
    if (bias()) RowVectorMap(bias()->grad.ptr() + G, G) += drp_.matrix(G).colwise().sum();
  } else {
    dU.leftCols(2 * u).noalias() += hd_tensor().matrix(u).transpose() * drp_.matrix(G).leftCols(2 * u);
    dU.rightCols(u).noalias() += rec_h_.matrix(u).transpose() * drp_.matrix(G).rightCols(u);
  }
}

LayerInfo gru_info() {
  LayerInfo info;
  info.type = "GRU";
  info.doc = "Gated recurrent unit (Cho et al. 2014), Keras 2 semantics: gates z, r, h.";
  info.args = recurrent_args(
      "sigmoid", true, {bool_arg("reset_after", true, "apply the reset gate after the recurrent product")});
  info.aliases = recurrent_keras1_aliases();
  info.create = create_layer<Gru>;
  return info;
}

}  // namespace yamlnet
