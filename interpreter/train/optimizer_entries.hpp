#pragma once
// The optimizer registry's entries, one group per file (optimizers.cpp joins them), and what every entry
// declares alike.
#include <memory>
#include <optional>
#include <vector>

#include "interpreter/spec/kind_registry.hpp"
#include "interpreter/train/optimizers.hpp"

namespace yamlnet {

using OptimizerEntry = KindEntry<Optimizer>;

// An entry's own arguments followed by those every Keras optimizer takes (clipping, weight decay, the moving
// average, Keras 1/2's decay); `weight_decay` is the default of weight_decay (AdamW has one).
std::vector<ArgSpec> optimizer_args(std::vector<ArgSpec> own, std::optional<double> weight_decay = {});

// `learning_rate`: a number, or a schedule (learning_rate_schedules.hpp).
ArgSpec learning_rate_arg(double def);

// A decay rate in [0, 1): at 1 a moment never forgets its start (and Adam's bias correction divides by zero).
inline ArgSpec below_one(ArgSpec a) {
  a.max = 1.0;
  a.max_exclusive = true;
  return a;
}

// Keras 1's `lr`, which Keras 2 still accepted.
inline std::vector<KerasAlias> keras1_learning_rate() {
  KerasAlias lr{"lr", "learning_rate", ""};
  lr.keras1_only = false;
  return {lr};
}

template <class Kind>
std::unique_ptr<Optimizer> make(const Value& spec) {
  return std::make_unique<Kind>(spec);
}

std::vector<OptimizerEntry> adaptive_optimizer_entries();  // adaptive_optimizers.cpp

}  // namespace yamlnet
