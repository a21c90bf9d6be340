#include "layers/recurrent/recurrent_layer.hpp"

#include "interpreter/core/errors.hpp"
#include "interpreter/core/gemm.hpp"
#include "interpreter/core/threads.hpp"

namespace yamlnet {

RecurrentLayer::RecurrentLayer(const std::string& name, const std::string& type, const Args& args,
                               Index gates, Index states)
    : Layer(name, type),
      kernel_(WeightArgs::read(args, "kernel")),
      recurrent_(WeightArgs::read(args, "recurrent")),
      bias_(WeightArgs::read(args, "bias")),
      units_(args.integer("units")),
      gates_(gates),
      state_count_(states),
      activation_(Activation::from_value(args.get("activation"), args.keras_version)),
      use_bias_(args.boolean("use_bias")),
      dropout_(args.number("dropout")),
      recurrent_dropout_(args.number("recurrent_dropout")),
      return_sequences_(args.boolean("return_sequences")),
      return_state_(args.boolean("return_state")),
      go_backwards_(args.boolean("go_backwards")),
      stateful_(args.boolean("stateful")) {
  if (args.has("recurrent_activation"))
    recurrent_activation_ = Activation::from_value(args.get("recurrent_activation"), args.keras_version);
}

std::vector<Shape> RecurrentLayer::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  const Shape& in = input_shapes[0];
  if (in.size() != 2)
    throw ShapeError("expects a sequence of shape (timesteps, features) per sample, got " +
                     shape_to_string(in) + " (use Reshape, or an Embedding before it)");
  features_ = in[1];
  ParameterBudget::check({{"kernel", {features_, gates_ * units_}},
                          {"recurrent_kernel", {units_, gates_ * units_}},
                          {"bias", use_bias_ ? bias_shape() : Shape{0}}});
  add_param("kernel", {features_, gates_ * units_}, std::move(kernel_));
  add_param("recurrent_kernel", {units_, gates_ * units_}, std::move(recurrent_));
  if (use_bias_) {
    add_param("bias", bias_shape(), std::move(bias_));
  }
  std::vector<Shape> out{return_sequences_ ? Shape{in[0], units_} : Shape{units_}};
  if (return_state_)
    for (Index s = 0; s < state_count_; ++s) out.push_back({units_});
  return out;
}

void RecurrentLayer::make_dropout_masks(const RunContext& ctx, Index features) {
  // One mask per sequence, reused at every step (Keras's get_dropout_mask_for_cell); each sequence draws its
  // own (RunContext::sample_random), the input and recurrent masks from different streams.
  const bool training = ctx.mode == Mode::Training && ctx.rng;
  const uint64_t salt = fnv1a(name());
  auto make = [&](Tensor& keep, double rate, Index cols, uint64_t stream) {
    if (!training || rate <= 0.0) {
      keep.resize({});
      return;
    }
    keep.resize({batch_, cols});
    const Real scale = static_cast<Real>(1.0 / (1.0 - rate));
    for (Index b = 0; b < batch_; ++b) {
      Random draws = ctx.sample_random(stream, b);
      for (Index c = 0; c < cols; ++c) keep.data[b * cols + c] = draws.uniform() >= rate ? scale : Real(0);
    }
  };
  make(input_keep_, dropout_, features, salt);
  make(recurrent_keep_, recurrent_dropout_, units_, salt ^ 0x5bd1e995ULL);
}

void RecurrentLayer::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) {
  const Tensor& x = *in.values[0];
  const Tensor* mask = in.masks.empty() ? nullptr : in.masks[0];
  masked_ = mask != nullptr;
  batch_ = x.batch();
  steps_ = x.shape[1];
  const Index B = batch_, T = steps_, F = features_, u = units_, G = gates_;
  make_dropout_masks(ctx, F);

  if (!input_keep_.empty()) xd_.resize({T * B, F});
  step_mask_.resize({T * B});
  xp_.resize({B, G * u});

  states_.resize(static_cast<size_t>(state_count_));
  next_.resize(static_cast<size_t>(state_count_));
  for (Index s = 0; s < state_count_; ++s) {
    states_[s].resize({(T + 1) * B, u});
    next_[s].resize({B, u});
    auto initial = state(s, 0);
    if (stateful_ && !stored_states_.empty()) {
      if (stored_states_[s].batch() != B)
        throw TrainingError("layer '" + name() + "' is stateful: every batch must have " +
                            std::to_string(stored_states_[s].batch()) + " samples, got " + std::to_string(B) +
                            " (use a batch_size that divides the data, or reset_states)");
      initial = stored_states_[s].matrix(u);
    } else {
      initial.setZero();
    }
  }
  if (!recurrent_keep_.empty()) hd_.resize({T * B, u});
  prepare_cache(T, B);
  const auto W = kernel().value.matrix(G * u);
  const ConstRowVectorMap bias_row(use_bias_ ? bias()->value.ptr() : nullptr, G * u);
  split_sequences(B, recurrent_work(), [&](Index, Index r, Index nr) {
    for (Index t = 0; t < T; ++t) {
      // The step's mask and inputs after dropout (when there is dropout), time-major in processing order,
      // and their projection: computed here, by the thread that reads them next, while they are in its cache.
      const Index src = source_step(t);
      for (Index b = r; b < r + nr; ++b) {
        if (!input_keep_.empty()) {
          Real* dst = xd_.ptr() + (t * B + b) * F;
          const Real* row = x.ptr() + (b * T + src) * F;
          for (Index f = 0; f < F; ++f) dst[f] = row[f] * input_keep_.data[b * F + f];
        }
        step_mask_.data[t * B + b] = mask ? mask->data[b * T + src] : Real(1);
      }
      auto projection = xp(t).middleRows(r, nr);
      // The bias written first and the product added to it: an assigning product zeroes its result first
      // (Eigen's BLAS path calls sgemm with beta = 1), and the bias would take another pass.
      if (use_bias_)
        projection.rowwise() = bias_row;
      else
        projection.setZero();
      projection.noalias() += step_inputs(x, t, r, nr) * W;
      if (!recurrent_keep_.empty())
        hd(t).middleRows(r, nr) =
            state(0, t).middleRows(r, nr).cwiseProduct(recurrent_keep_.matrix(u).middleRows(r, nr));
      cell_forward(t, r, nr);
      keep_or_take_states(t, r, nr);
    }
  });

  // Outputs: the sequence of h in processing order, or the last h; then the final states.
  Tensor& y = outputs[0];
  if (return_sequences_) {
    y.resize({B, T, u});
    for (Index t = 0; t < T; ++t)
      for (Index b = 0; b < B; ++b) {
        Real* dst = y.ptr() + (b * T + t) * u;
        if (zero_output_for_mask_ && step_mask_.data[t * B + b] == 0)
          std::fill(dst, dst + u, Real(0));
        else
          std::copy_n(states_[0].ptr() + ((t + 1) * B + b) * u, u, dst);
      }
  } else {
    y.resize({B, u});
    y.matrix(u) = state(0, T);
  }
  if (return_state_)
    for (Index s = 0; s < state_count_; ++s) {
      outputs[1 + s].resize({B, u});
      outputs[1 + s].matrix(u) = state(s, T);
    }
  if (stateful_) {
    stored_states_.resize(static_cast<size_t>(state_count_));
    for (Index s = 0; s < state_count_; ++s) {
      stored_states_[s].resize({B, u});
      stored_states_[s].matrix(u) = state(s, T);
    }
  }
}

void RecurrentLayer::keep_or_take_states(Index t, Index r, Index nr) {
  // At a masked step the states stay as they were. Without a mask the cell wrote them in place.
  if (!masked_) return;
  for (Index s = 0; s < state_count_; ++s) {
    auto prev = state(s, t);
    auto next = state(s, t + 1);
    const auto fresh = next_[s].matrix(units_);
    for (Index b = r; b < r + nr; ++b) {
      if (step_mask_.data[t * batch_ + b] != 0)
        next.row(b) = fresh.row(b);
      else
        next.row(b) = prev.row(b);
    }
  }
}

void RecurrentLayer::split_state_grads(Index t, Index r, Index nr) {
  const Index u = units_;
  if (!masked_) {  // every step valid: the cell reads the carry itself (d_next_state)
    for (Index s = 0; s < state_count_; ++s) dprev(s, t).matrix(u).middleRows(r, nr).setZero();
    return;
  }
  for (Index s = 0; s < state_count_; ++s)
    for (Index b = r; b < r + nr; ++b) {
      const Real* src = carry(s, t).ptr() + b * u;
      Real* fresh = dnext_[s].ptr() + b * u;
      Real* prev = dprev(s, t).ptr() + b * u;
      if (step_mask_.data[t * batch_ + b] != 0) {
        std::copy_n(src, u, fresh);
        std::fill_n(prev, u, Real(0));
      } else {
        std::fill_n(fresh, u, Real(0));
        std::copy_n(src, u, prev);
      }
    }
}

double RecurrentLayer::recurrent_work() const {
  return static_cast<double>(steps_) * static_cast<double>(batch_) * static_cast<double>(units_) *
         static_cast<double>(recurrent_cols());
}

RecurrentLayer::StridedConstMap RecurrentLayer::step_inputs(const Tensor& x, Index t, Index r,
                                                            Index nr) const {
  const Index T = steps_, F = features_;
  if (!input_keep_.empty())
    return StridedConstMap(xd_.ptr() + (t * batch_ + r) * F, nr, F, Eigen::OuterStride<>(F));
  const Index src = source_step(t);
  return StridedConstMap(x.ptr() + (r * T + src) * F, nr, F, Eigen::OuterStride<>(T * F));
}

void RecurrentLayer::recurrent_backward(Index t, Index r, Index nr, MatrixMap d_hd) {
  recurrent_kernel_t_.multiply(drp_or_dxp(t).middleRows(r, nr), d_hd.middleRows(r, nr), 0);
}

void RecurrentLayer::accumulate_recurrent_step(Index t, Index r, Index nr, MatrixMap d_recurrent, Real*) {
  gemm(Op::transposed, hd(t).middleRows(r, nr), Op::plain, drp_or_dxp(t).middleRows(r, nr), d_recurrent, 1);
}

void RecurrentLayer::aim_weight_gradients(Index bands) {
  grad_targets_.resize(static_cast<size_t>(bands));
  Real* bias_grad = use_bias_ ? bias()->grad.ptr() : nullptr;
  if (bands == 1) {
    grad_targets_[0] = {kernel().grad.ptr(), recurrent_kernel().grad.ptr(), bias_grad};
    return;
  }
  band_grads_.resize(static_cast<size_t>(3 * bands));
  for (Index p = 0; p < bands; ++p) {
    Tensor* part = &band_grads_[static_cast<size_t>(3 * p)];
    part[0].resize(kernel().grad.shape);
    part[1].resize(recurrent_kernel().grad.shape);
    if (use_bias_) part[2].resize(bias()->grad.shape);
    // Zeroed by the band's own thread, in the loop.
    grad_targets_[static_cast<size_t>(p)] = {part[0].ptr(), part[1].ptr(),
                                             use_bias_ ? part[2].ptr() : nullptr};
  }
}

void RecurrentLayer::add_band_gradients(Index bands) {
  if (bands == 1) return;
  for (Index k = 0; k < 3; ++k) {
    Parameter* param = k == 0 ? &kernel() : k == 1 ? &recurrent_kernel() : bias();
    if (!param) continue;
    Real* grad = param->grad.ptr();
    // Split as the optimizer's update of the parameter is, so each core adds the part it then updates.
    split_elementwise(param->grad.size(), [&](Index begin, Index count) {
      for (Index p = 0; p < bands; ++p) {
        const Real* part = band_grads_[static_cast<size_t>(3 * p + k)].ptr();
        for (Index i = begin; i < begin + count; ++i) grad[i] += part[i];
      }
    });
  }
}

void RecurrentLayer::apply_region(const Activation& f, const Real* z, Real* y, Index row0, Index rows,
                                  Index col0, Index count, Index cols) {
  for (Index b = row0; b < row0 + rows; ++b) f.forward(z + b * cols + col0, y + b * cols + col0, 1, count);
}

void RecurrentLayer::apply_region_backward(const Activation& f, const Real* z, const Real* y, const Real* dy,
                                           Real* dz, Index row0, Index rows, Index col0, Index count,
                                           Index cols) {
  for (Index b = row0; b < row0 + rows; ++b) {
    const Index off = b * cols + col0;
    f.backward(z + off, y + off, dy + off, dz + off, 1, count);
  }
}

void RecurrentLayer::backward(const LayerInputs& in, const std::vector<Tensor>&,
                              std::vector<Tensor>& d_outputs, std::vector<Tensor*>& d_inputs) {
  const Tensor& x = *in.values[0];
  const Index B = batch_, T = steps_, F = features_, u = units_, G = gates_;
  dxp_.resize({B, G * u});
  if (!shares_preactivation_grads()) drp_.resize({B, recurrent_cols()});
  dnext_.resize(static_cast<size_t>(state_count_));
  state_grads_.resize(static_cast<size_t>(2 * state_count_));
  for (Index s = 0; s < state_count_; ++s) {
    dnext_[s].resize({B, u});
    dprev(s, T - 1).resize({B, u});
    Tensor& last = carry(s, T - 1);
    last.resize({B, u});
    last.set_zero();
  }
  // Gradients of the outputs that read the final states.
  if (!return_sequences_) carry(0, T - 1).array() += d_outputs[0].array();
  if (return_state_)
    for (Index s = 0; s < state_count_; ++s) carry(s, T - 1).array() += d_outputs[1 + s].array();
  Tensor& d_hd = d_hd_;
  d_hd.resize({B, u});
  // The per-step products d h = d z U^T and d x = d z W^T read the kernels through transposed copies made
  // once per batch.
  if (reads_transposed_recurrent_kernel())
    recurrent_kernel_t_.refresh(recurrent_kernel().value.matrix(recurrent_cols()));
  Tensor* dx = d_inputs[0];
  if (dx) {
    kernel_t_.refresh(kernel().value.matrix(G * u));
    dxd_.resize({B, F});
  }
  const bool train = trainable();
  const Index bands = sequence_bands(B, recurrent_work());
  if (train) aim_weight_gradients(bands);
  split_sequences(B, recurrent_work(), [&](Index band, Index r, Index nr) {
    const GradTargets& grads = train ? grad_targets_[static_cast<size_t>(band)] : GradTargets{};
    if (train && bands > 1) {
      std::fill_n(grads.kernel, F * G * u, Real(0));
      std::fill_n(grads.recurrent, u * recurrent_cols(), Real(0));
      if (grads.bias) std::fill_n(grads.bias, bias()->grad.size(), Real(0));
    }
    for (Index t = T - 1; t >= 0; --t) {
      if (return_sequences_)
        for (Index b = r; b < r + nr; ++b) {
          if (zero_output_for_mask_ && step_mask_.data[t * B + b] == 0) continue;
          const Real* dy = d_outputs[0].ptr() + (b * T + t) * u;
          Real* c = carry(0, t).ptr() + b * u;
          for (Index j = 0; j < u; ++j) c[j] += dy[j];
        }
      split_state_grads(t, r, nr);
      cell_backward(t, r, nr);
      recurrent_backward(t, r, nr, d_hd.matrix(u));
      auto dh_prev = dprev(0, t).matrix(u).middleRows(r, nr);
      if (recurrent_keep_.empty())
        dh_prev += d_hd.matrix(u).middleRows(r, nr);
      else
        dh_prev += d_hd.matrix(u).middleRows(r, nr).cwiseProduct(recurrent_keep_.matrix(u).middleRows(r, nr));
      const auto dz = dxp(t).middleRows(r, nr);
      if (train) {
        gemm(Op::transposed, step_inputs(x, t, r, nr), Op::plain, dz, MatrixMap(grads.kernel, F, G * u), 1);
        accumulate_recurrent_step(t, r, nr, MatrixMap(grads.recurrent, u, recurrent_cols()), grads.bias);
        if (grads.bias) RowVectorMap(grads.bias, G * u) += dz.colwise().sum();
      }
      if (!dx) continue;
      kernel_t_.multiply(dz, dxd_.matrix(F).middleRows(r, nr), 0);
      const Index src = source_step(t);
      for (Index b = r; b < r + nr; ++b) {
        const Real* g = dxd_.ptr() + b * F;
        Real* dst = dx->ptr() + (b * T + src) * F;
        if (input_keep_.empty())
          for (Index f = 0; f < F; ++f) dst[f] += g[f];
        else
          for (Index f = 0; f < F; ++f) dst[f] += g[f] * input_keep_.data[b * F + f];
      }
    }
  });
  if (train) add_band_gradients(bands);
  (void)in;
}

void RecurrentLayer::compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                                   std::vector<bool>& has_mask) const {
  for (size_t o = 0; o < has_mask.size(); ++o) has_mask[o] = false;
  // Keras passes the input mask on (unchanged, even with go_backwards) only with return_sequences.
  if (!return_sequences_ || in.masks.empty() || !in.masks[0]) return;
  output_masks[0].resize(in.masks[0]->shape);
  output_masks[0].data = in.masks[0]->data;
  has_mask[0] = true;
}

std::vector<ArgSpec> recurrent_args(const std::string& default_recurrent_activation,
                                    bool has_recurrent_activation, std::vector<ArgSpec> cell_args) {
  std::vector<ArgSpec> args{
      required(int_arg("units", std::nullopt, "dimensionality of the output and states", 1)),
      activation_arg("tanh")};
  if (has_recurrent_activation)
    args.push_back(
        keras_default(function_arg("recurrent_activation", activation_family(), default_recurrent_activation,
                                   "activation of the gates (Keras 1: hard_sigmoid)"),
                      1, "hard_sigmoid"));
  std::vector<ArgSpec> rest{
      bool_arg("use_bias", true, "whether to add biases"),
      initializer_arg("kernel_initializer", "glorot_uniform", "initializer of the input kernel"),
      initializer_arg("recurrent_initializer", "orthogonal", "initializer of the recurrent kernel"),
      initializer_arg("bias_initializer", "zeros", "initializer of the bias"),
  };
  args.insert(args.end(), rest.begin(), rest.end());
  args.insert(args.end(), cell_args.begin(), cell_args.end());
  std::vector<ArgSpec> tail{
      regularizer_arg("kernel_regularizer", "penalty on the input kernel"),
      regularizer_arg("recurrent_regularizer", "penalty on the recurrent kernel"),
      regularizer_arg("bias_regularizer", "penalty on the bias"),
      regularizer_arg("activity_regularizer", "penalty on the output"),
      constraint_arg("kernel_constraint", "constraint on the input kernel"),
      constraint_arg("recurrent_constraint", "constraint on the recurrent kernel"),
      constraint_arg("bias_constraint", "constraint on the bias"),
      float_arg("dropout", 0.0, "fraction of the inputs dropped (one mask per sequence)", 0.0, 0.99),
      float_arg("recurrent_dropout", 0.0, "fraction of the recurrent state dropped (one mask per sequence)",
                0.0, 0.99),
      bool_arg("return_sequences", false, "return the output of every step, not only the last"),
      bool_arg("return_state", false, "also return the final states as extra outputs (name:1, name:2)"),
      bool_arg("go_backwards", false, "process the sequence backwards and return it in processing order"),
      bool_arg("stateful", false, "carry the final states of batch i to batch i of the next call"),
      bool_arg("unroll", false, "accepted for Keras compatibility; results are the same"),
  };
  args.insert(args.end(), tail.begin(), tail.end());
  return args;
}

std::vector<KerasAlias> recurrent_keras1_aliases() {
  return {{"output_dim", "units", ""},
          {"init", "kernel_initializer", ""},
          {"inner_init", "recurrent_initializer", ""},
          {"inner_activation", "recurrent_activation", ""},
          {"W_regularizer", "kernel_regularizer", ""},
          {"U_regularizer", "recurrent_regularizer", ""},
          {"b_regularizer", "bias_regularizer", ""},
          {"dropout_W", "dropout", ""},
          {"dropout_U", "recurrent_dropout", ""},
          {"consume_less",
           "",
           "it chose an implementation in Keras 1; results do not depend on it",
           {{"cpu", ""}, {"mem", ""}, {"gpu", ""}}}};
}

}  // namespace yamlnet
