#pragma once
// The machinery shared by LSTM, GRU and SimpleRNN: the time loop in processing order (go_backwards), masks
// (frozen states, repeated outputs), dropout masks reused at every step, return_sequences / return_state,
// stateful carry-over. Cells supply only the per-step maths.
//
// Layout: the forward caches are time-major, rows [t*B, (t+1)*B) for processing step t. Every product is
// taken per step and per band of rows (see cell_forward), by the thread that owns the band, while its data is
// in that core's cache: the input projection, the recurrent product, d h, d x and the steps' shares of dW, dU
// and the bias gradient. (One product over all steps split across threads made each core read the other's
// half of every step: measured slower on two threads and on one, docs/benchmarks.md.)
#include "interpreter/core/gemm.hpp"
#include "layers/functional/activations.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

class RecurrentLayer : public Layer {
 public:
  bool uses_masks() const override { return true; }
  RecurrentLayer(const std::string& name, const std::string& type, const Args& args, Index gates,
                 Index states);

  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  size_t num_outputs() const override { return 1 + (return_state_ ? static_cast<size_t>(state_count_) : 0); }
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  void compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                     std::vector<bool>& has_mask) const override;
  void reset_states() override { stored_states_.clear(); }

  Index units() const { return units_; }
  bool go_backwards() const { return go_backwards_; }
  bool return_sequences() const { return return_sequences_; }
  bool return_state() const { return return_state_; }
  bool stateful() const { return stateful_; }
  bool use_bias() const { return use_bias_; }
  Index gates() const { return gates_; }
  const Activation& activation() const { return activation_; }
  const Activation& recurrent_activation() const { return recurrent_activation_; }
  // Bidirectional asks for zeros (not repeated outputs) at masked steps, as Keras's wrapper does.
  void set_zero_output_for_mask(bool on) { zero_output_for_mask_ = on; }
  void set_go_backwards(bool on) { go_backwards_ = on; }

 protected:
  // Shapes of the bias parameter (GRU with reset_after has [2, 3u]); none when use_bias is false.
  virtual Shape bias_shape() const { return {gates_ * units_}; }
  // The time loops run over one band of the batch's rows per thread, every step of the band on that thread:
  // rows are independent sequences, so a band needs no synchronisation from the first step to the last
  // (a split of each step's product cost a fork and a join per step, 4 per step in all). The cells' methods
  // below therefore work on rows [r, r + nr) of the batch only, and read and write no other row.
  //
  // Step t: from xp(t) (input projection with bias), the previous states and hd(t) (previous h after
  // recurrent dropout), compute the new states into next_state(s, t) and cache what backward needs.
  virtual void cell_forward(Index t, Index r, Index nr) = 0;
  // Step t: from d_next_state(s, t), write dxp(t) and drp(t) (gradient of the recurrent pre-activations,
  // whose input is hd(t)), and add the gradients of the previous states, except through the recurrent
  // product, into dprev(s, t).
  virtual void cell_backward(Index t, Index r, Index nr) = 0;
  // Per-step caches are sized here for T steps of B samples.
  virtual void prepare_cache(Index steps, Index batch) = 0;
  // d hd(t) from drp(t), rows [r, r + nr). GRU overrides it (without reset_after, its candidate uses r * h).
  virtual void recurrent_backward(Index t, Index r, Index nr, MatrixMap d_hd);
  // Whether recurrent_backward reads the transposed copy of U made once per batch (not GRU's own form).
  virtual bool reads_transposed_recurrent_kernel() const { return true; }
  // Step t, rows [r, r + nr): adds the step's share of dU into d_recurrent (and of a recurrent bias row, GRU
  // with reset_after, into d_bias, the whole bias's gradient). GRU overrides it.
  virtual void accumulate_recurrent_step(Index t, Index r, Index nr, MatrixMap d_recurrent, Real* d_bias);
  // Step t, rows [r, r + nr): the new states where the step is valid, the previous ones where it is masked.
  void keep_or_take_states(Index t, Index r, Index nr);
  // Step t, rows [r, r + nr): each state's gradient (carry) goes to the fresh value (dnext_) at a valid step
  // and to the previous one (dprev) at a masked step.
  void split_state_grads(Index t, Index r, Index nr);
  // Where step t writes state s's new value ([B, u]) and where backward finds its gradient. Without a mask
  // every step is valid: the state buffer itself, and the carry, so no copy is made per step.
  MatrixMap next_state(Index s, Index t) { return masked_ ? next_[s].matrix(units_) : state(s, t + 1); }
  MatrixMap d_next_state(Index s, Index t) {
    return masked_ ? dnext_[s].matrix(units_) : carry(s, t).matrix(units_);
  }
  // Backward, step t: d loss / d state s before the step (written by the step), which is the carry (d loss /
  // d state after the step) of step t - 1. Two buffers per state, alternating with t's parity, so no band
  // waits for another to swap them.
  Tensor& dprev(Index s, Index t) { return state_grads_[static_cast<size_t>(2 * s + ((t + 1) & 1))]; }
  Tensor& carry(Index s, Index t) { return state_grads_[static_cast<size_t>(2 * s + (t & 1))]; }

  Parameter& kernel() { return params_[0]; }
  Parameter& recurrent_kernel() { return params_[1]; }
  Parameter* bias() { return use_bias_ ? &params_[2] : nullptr; }
  Index rows() const { return batch_; }  // B
  // Row block of step t in a time-major [T*B, cols] buffer.
  static MatrixMap block(Tensor& t, Index step, Index batch, Index cols) {
    return MatrixMap(t.ptr() + step * batch * cols, batch, cols);
  }
  // Step t's input projection (with bias): one [B, G*u] buffer reused at every step, as cells read it only
  // in their step.
  MatrixMap xp(Index) { return xp_.matrix(gates_ * units_); }
  // The time index in x of processing step t (go_backwards runs the sequence from its end).
  Index source_step(Index t) const { return go_backwards_ ? steps_ - 1 - t : t; }
  using StridedConstMap = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
  // Rows [r, r + nr) of the inputs of processing step t: their copy in xd_ with input dropout, else the rows
  // of x itself (a view with x's row stride, no copy).
  StridedConstMap step_inputs(const Tensor& x, Index t, Index r, Index nr) const;
  // The gradients of step t's pre-activations: one [B, cols] buffer reused at every step (backward consumes
  // them within the step: weight gradients, d h and d x are all taken there).
  MatrixMap dxp(Index) { return dxp_.matrix(gates_ * units_); }
  MatrixMap drp(Index) { return drp_.matrix(recurrent_cols()); }
  // Without recurrent dropout the previous h itself (no copy), else its copy with the dropout mask applied.
  MatrixMap hd(Index t) { return recurrent_keep_.empty() ? state(0, t) : block(hd_, t, batch_, units_); }
  MatrixMap state(Index s, Index t) { return block(states_[s], t, batch_, units_); }  // t = 0: initial
  virtual Index recurrent_cols() const { return gates_ * units_; }
  // LSTM and SimpleRNN: the recurrent pre-activations are the input ones, so their gradients are shared.
  virtual bool shares_preactivation_grads() const { return true; }
  MatrixMap drp_or_dxp(Index t) { return shares_preactivation_grads() ? dxp(t) : drp(t); }
  // Applies `f` to rows [row0, row0 + rows) x columns [col0, col0 + count) of a row-major matrix of `cols`.
  static void apply_region(const Activation& f, const Real* z, Real* y, Index row0, Index rows, Index col0,
                           Index count, Index cols);
  // The backward of apply_region: dz = f'(z) * dy over the same region.
  static void apply_region_backward(const Activation& f, const Real* z, const Real* y, const Real* dy,
                                    Real* dz, Index row0, Index rows, Index col0, Index count, Index cols);

  WeightArgs kernel_, recurrent_, bias_;  // handed to the parameters at build
  Index units_, gates_, state_count_;
  Activation activation_, recurrent_activation_;
  bool use_bias_;
  std::vector<Tensor> next_, dnext_;  // per state, [B, u]
  Tensor drp_;

 private:
  void make_dropout_masks(const RunContext& ctx, Index features);
  // Multiply-adds of the recurrent products over all steps: what decides whether the time loop is split.
  double recurrent_work() const;

  double dropout_, recurrent_dropout_;
  bool return_sequences_, return_state_, go_backwards_, stateful_, zero_output_for_mask_ = false;
  bool masked_ = false;  // the last forward call had a mask
  Index steps_ = 0, batch_ = 0, features_ = 0;
  Tensor xd_;   // with input dropout: the inputs after it, time-major in processing order [T*B, F]
  Tensor xp_;   // the step's input projections [B, G*u] (see xp)
  Tensor hd_;   // previous h after recurrent dropout [T*B, u] (with recurrent dropout only, see hd)
  Tensor dxp_;  // backward, per step: [B, G*u] (see dxp)
  Tensor dxd_;  // backward, per step: d loss / d inputs after dropout, [B, F]
  TransposedOperand kernel_t_;  // backward: the input kernel, for d x = d z W^T
  // Where each band of the backward time loop adds its weight gradients: with one band, the parameters' own
  // gradients; with several, the band's partial sums (band_grads_, three per band), added to the parameters'
  // after the loop. Each thread then takes the products of its own rows at each step, while they are in its
  // cache, instead of both threads reading all steps' gradients after the loop.
  struct GradTargets {
    Real* kernel = nullptr;
    Real* recurrent = nullptr;
    Real* bias = nullptr;
  };
  std::vector<GradTargets> grad_targets_;
  std::vector<Tensor> band_grads_;
  void aim_weight_gradients(Index bands);
  void add_band_gradients(Index bands);
  std::vector<Tensor> states_;  // per state, [(T+1)*B, u]
  Tensor step_mask_;            // [T*B] in processing order: 1 valid, 0 masked (all ones without a mask)
  Tensor input_keep_, recurrent_keep_;    // dropout scales: [B, F], [B, u]; empty when not dropping
  std::vector<Tensor> stored_states_;     // stateful: the final states of the previous call
  std::vector<Tensor> state_grads_;       // backward: dprev and carry, two [B, u] per state (see dprev)
  Tensor d_hd_;                           // backward: d loss / d (previous h after recurrent dropout)
  TransposedOperand recurrent_kernel_t_;  // backward: the recurrent kernel, for d h = d z U^T
};

// Arguments shared by LSTM, GRU and SimpleRNN, in Keras's order; `cell_args` are inserted after use_bias'
// group.
std::vector<ArgSpec> recurrent_args(const std::string& default_recurrent_activation,
                                    bool has_recurrent_activation, std::vector<ArgSpec> cell_args);
std::vector<KerasAlias> recurrent_keras1_aliases();

}  // namespace yamlnet
