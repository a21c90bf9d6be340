#pragma once
// Keras's optimizers (sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, ftrl, lion) with Keras's
// update rules and defaults, and what every Keras optimizer takes: clipnorm, clipvalue, global_clipnorm,
// weight_decay (decoupled, applied before the update), an exponential moving average of the weights
// (use_ema) and Keras 1/2's time-based `decay`. State is kept per parameter name so checkpoints and diffs
// never depend on positions. Row-sparse gradients (Embedding tables) update only their touched rows where
// that gives the same result as the dense rule (sgd without momentum, adagrad, ftrl) or where asked (adam's
// lazy: true).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "interpreter/spec/arg_spec.hpp"
#include "interpreter/train/learning_rate_schedules.hpp"
#include "layers/layer.hpp"

namespace yamlnet {

class Optimizer;
// An optimizer's state for one weight: each slot (a moment, an accumulator) as long as the weight. On huge
// pages where large, as the weights are: lazy Adam's row updates at MovieLens-20M scale miss the TLB on
// every moment row otherwise (bench/row_traffic, docs/benchmarks.md).
using SlotValues = std::vector<RealBuffer>;
template <class Product, class... Context>
class KindRegistry;

// Every optimizer: its name, arguments and factory in one entry.
const KindRegistry<Optimizer>& optimizer_registry();
const FunctionFamily& optimizer_family();

class Optimizer {
 public:
  static std::unique_ptr<Optimizer> create(const Value& spec);
  virtual ~Optimizer() = default;

  // One update of every parameter from its grad (clipping first, as Keras does per gradient tensor).
  void apply(const std::vector<ParamSlot>& params);
  // The end of fit: with use_ema, the weights take their moving averages (Keras's finalize_variable_values).
  void finish(const std::vector<ParamSlot>& params);
  int64_t iterations() const { return iterations_; }
  // Resuming from a checkpoint: the step count that Adam's bias correction reads.
  void set_iterations(int64_t n) { iterations_ = n; }
  // The rate of the latest step (the configured one before the first).
  double learning_rate() const { return learning_rate_; }
  // The rate of the next step (a schedule's, or the configured one with Keras 1/2's decay).
  double next_learning_rate() const {
    return schedule_ ? schedule_->at(iterations_)
                     : base_learning_rate_ / (1.0 + decay_ * static_cast<double>(iterations_));
  }
  // A callback's new rate (ReduceLROnPlateau, LearningRateScheduler); throws TrainingError with a schedule.
  void set_learning_rate(double rate);
  // Whether the rate can change during training (a schedule, decay, or a callback that sets it): the
  // history then logs each epoch's `learning_rate`.
  bool rate_varies() const { return schedule_ || decay_ > 0 || rate_set_by_callback_; }
  void mark_rate_set_by_callback() { rate_set_by_callback_ = true; }
  const std::string& name() const { return name_; }
  bool clips_by_norm() const { return clipnorm_ > 0 || global_clipnorm_ > 0; }

  // Per-parameter state (moments, accumulators), keyed by parameter name.
  std::map<std::string, SlotValues>& slots() { return slots_; }

 protected:
  Optimizer(std::string name, const Value& spec, int slot_count);
  static constexpr size_t kMaxRuleSlots = 3;  // the most state slots an update rule keeps per value
  // Updates n values of w in place from g (already clipped); slots[i] points at the same n values of each
  // state slot. Called once per tensor, or once per touched row of a row-sparse gradient.
  virtual void update(Real* const* slots, Real* w, const Real* g, Index n) = 0;
  // Called once per step before the updates, after learning_rate_ is set for it; `t` is the 1-based step
  // number.
  virtual void begin_step(int64_t) {}
  // Whether updating only the rows with a gradient is this optimizer's rule for a row-sparse gradient.
  virtual bool updates_rows_only() const = 0;
  virtual void init_slots(SlotValues& slots, Index n) const;

  std::string name_;
  double learning_rate_;  // this step's rate (the configured one with Keras 1/2's decay applied)

 private:
  double base_learning_rate_, decay_ = 0;
  std::unique_ptr<LearningRateSchedule> schedule_;
  bool rate_set_by_callback_ = false;
  double clipnorm_ = 0, clipvalue_ = 0, global_clipnorm_ = 0, weight_decay_ = 0;
  bool use_ema_ = false;
  double ema_momentum_ = 0;
  int64_t ema_overwrite_frequency_ = 0;
  int slot_count_;
  int64_t iterations_ = 0;
  // The state slots the update rule owns (the moving average, when kept, is the slot after them).
  size_t rule_slots(const SlotValues& state) const { return state.size() - (use_ema_ ? 1 : 0); }
  void update_rows(SlotValues& state, Parameter& p);
  void update_average(RealBuffer& average, const Parameter& p) const;
  double global_scale(const std::vector<ParamSlot>& params) const;
  const Real* table_gradient(const Parameter& p);
  void clear_table_gradient(const Parameter& p);
  std::vector<Real> clipped_;
  RealBuffer table_grad_;  // zero but for the rows table_gradient wrote, until clear_table_gradient
  std::map<std::string, SlotValues> slots_;
};

}  // namespace yamlnet
