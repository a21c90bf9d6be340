#pragma once
// Keras's learning-rate schedules (keras.optimizers.schedules): an optimizer's `learning_rate` may be one of
// them instead of a number. The rate of a step is the schedule at the number of steps taken before it.
#include <cstdint>
#include <memory>

#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

class LearningRateSchedule;
template <class Product, class... Context>
class KindRegistry;

const KindRegistry<LearningRateSchedule>& schedule_registry();
const FunctionFamily& schedule_family();

class LearningRateSchedule {
 public:
  static std::unique_ptr<LearningRateSchedule> create(const Value& spec);
  virtual ~LearningRateSchedule() = default;
  // The rate of the step after `step` steps taken.
  virtual double at(int64_t step) const = 0;
};

}  // namespace yamlnet
