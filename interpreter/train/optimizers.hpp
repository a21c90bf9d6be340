#pragma once
// Keras 2 (tf.keras OptimizerV2) update rules: sgd (momentum, nesterov), adam (amsgrad, lazy), rmsprop
// (momentum, centered), adagrad. State is kept per parameter name so checkpoints and diffs never depend on
// positions. Row-sparse gradients (Embedding tables) update only their touched rows where that gives the same
// result as the dense rule (sgd without momentum, adagrad) or where asked (adam's lazy: true).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "interpreter/spec/arg_spec.hpp"
#include "layers/layer.hpp"

namespace yamlnet {

class Optimizer;
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
  int64_t iterations() const { return iterations_; }
  // Resuming from a checkpoint: the step count that Adam's bias correction reads.
  void set_iterations(int64_t n) { iterations_ = n; }
  double learning_rate() const { return learning_rate_; }
  const std::string& name() const { return name_; }

  // Per-parameter state (moments, accumulators), keyed by parameter name.
  std::map<std::string, std::vector<std::vector<Real>>>& slots() { return slots_; }

 protected:
  Optimizer(std::string name, const Value& spec, int slot_count);
  // Updates n values of w in place from g (already clipped); slots[i] points at the same n values of each
  // state slot. Called once per tensor, or once per touched row of a row-sparse gradient.
  virtual void update(Real* const* slots, Real* w, const Real* g, Index n) = 0;
  // Called once per step before the updates; `t` is the 1-based step number.
  virtual void begin_step(int64_t) {}
  // Whether updating only the rows with a gradient is this optimizer's rule for a row-sparse gradient.
  virtual bool updates_rows_only() const = 0;
  virtual void init_slots(std::vector<std::vector<Real>>& slots, Index n) const;

  std::string name_;
  double learning_rate_;

 private:
  double clipnorm_ = 0, clipvalue_ = 0;
  int slot_count_;
  int64_t iterations_ = 0;
  void update_rows(std::vector<std::vector<Real>>& state, Parameter& p);
  std::vector<Real> clipped_;
  std::map<std::string, std::vector<std::vector<Real>>> slots_;
};

}  // namespace yamlnet
