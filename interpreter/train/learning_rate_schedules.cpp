#include "interpreter/train/learning_rate_schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "interpreter/core/errors.hpp"
#include "interpreter/spec/kind_registry.hpp"

namespace yamlnet {

namespace {

using std::numbers::pi;

// Decay by time: p = step / decay_steps (floored with staircase), then initial * decay_rate^p
// (exponential_decay) or initial / (1 + decay_rate * p) (inverse_time_decay).
class TimeDecay : public LearningRateSchedule {
 public:
  TimeDecay(const Value& spec, bool exponential)
      : initial_(spec.number_arg("initial_learning_rate")),
        steps_(spec.number_arg("decay_steps")),
        rate_(spec.number_arg("decay_rate")),
        staircase_(spec.arg("staircase")->b),
        exponential_(exponential) {}
  double at(int64_t step) const override {
    double p = static_cast<double>(step) / steps_;
    if (staircase_) p = std::floor(p);
    return exponential_ ? initial_ * std::pow(rate_, p) : initial_ / (1.0 + rate_ * p);
  }

 private:
  double initial_, steps_, rate_;
  bool staircase_, exponential_;
};

// values[0] up to boundaries[0] (inclusive), values[1] up to boundaries[1], ..., values[n] after the last.
class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  explicit PiecewiseConstantDecay(const Value& spec)
      : boundaries_(spec.arg("boundaries")->ints()), values_(spec.arg("values")->floats()) {
    const Value& b = *spec.arg("boundaries");
    if (values_.size() != boundaries_.size() + 1)
      throw ConfigError({Diagnostic{spec.arg("values")->loc, "", "",
                                    "argument 'values': needs one more value than 'boundaries' has (" +
                                        std::to_string(boundaries_.size() + 1) + "), got " +
                                        std::to_string(values_.size())}});
    if (!std::is_sorted(boundaries_.begin(), boundaries_.end()) ||
        std::adjacent_find(boundaries_.begin(), boundaries_.end()) != boundaries_.end())
      throw ConfigError({Diagnostic{b.loc, "", "", "argument 'boundaries': must increase"}});
  }
  double at(int64_t step) const override {
    const auto past = std::lower_bound(boundaries_.begin(), boundaries_.end(), step);
    return values_[static_cast<size_t>(past - boundaries_.begin())];
  }

 private:
  std::vector<int64_t> boundaries_;
  std::vector<double> values_;
};

// (initial - end) * (1 - step / decay_steps)^power + end, holding at end after decay_steps; with cycle, the
// decay restarts over a multiple of decay_steps.
class PolynomialDecay : public LearningRateSchedule {
 public:
  explicit PolynomialDecay(const Value& spec)
      : initial_(spec.number_arg("initial_learning_rate")),
        steps_(spec.number_arg("decay_steps")),
        end_(spec.number_arg("end_learning_rate")),
        power_(spec.number_arg("power")),
        cycle_(spec.arg("cycle")->b) {}
  double at(int64_t step) const override {
    double s = static_cast<double>(step), steps = steps_;
    if (cycle_)
      steps *= step == 0 ? 1.0 : std::ceil(s / steps_);
    else
      s = std::min(s, steps);
    return (initial_ - end_) * std::pow(1.0 - s / steps, power_) + end_;
  }

 private:
  double initial_, steps_, end_, power_;
  bool cycle_;
};

// Half a cosine from the rate down to alpha * rate over decay_steps, after an optional linear warmup from
// initial_learning_rate to warmup_target over warmup_steps.
class CosineDecay : public LearningRateSchedule {
 public:
  explicit CosineDecay(const Value& spec)
      : initial_(spec.number_arg("initial_learning_rate")),
        steps_(spec.number_arg("decay_steps")),
        alpha_(spec.number_arg("alpha")),
        warmup_steps_(spec.number_arg("warmup_steps")) {
    if (const Value* t = spec.arg("warmup_target"); t && !t->is_none()) warmup_target_ = t->as_double();
  }
  double at(int64_t step) const override {
    const double s = static_cast<double>(step);
    if (warmup_target_ < 0) return decay(std::min(s, steps_), initial_);
    const double capped = std::min(s, steps_ + warmup_steps_);
    if (capped < warmup_steps_) return (warmup_target_ - initial_) * (capped / warmup_steps_) + initial_;
    return decay(capped - warmup_steps_, warmup_target_);
  }

 private:
  double decay(double s, double from) const {
    const double cosine = 0.5 * (1.0 + std::cos(pi * s / steps_));
    return from * ((1.0 - alpha_) * cosine + alpha_);
  }
  double initial_, steps_, alpha_, warmup_steps_;
  double warmup_target_ = -1;  // none: no warmup
};

// SGDR: cosine decays that restart, each period t_mul times longer and its peak m_mul times lower.
class CosineDecayRestarts : public LearningRateSchedule {
 public:
  explicit CosineDecayRestarts(const Value& spec)
      : initial_(spec.number_arg("initial_learning_rate")),
        first_(spec.number_arg("first_decay_steps")),
        t_mul_(spec.number_arg("t_mul")),
        m_mul_(spec.number_arg("m_mul")),
        alpha_(spec.number_arg("alpha")) {}
  double at(int64_t step) const override {
    double fraction = static_cast<double>(step) / first_, restarts = 0;
    if (t_mul_ == 1.0) {
      restarts = std::floor(fraction);
      fraction -= restarts;
    } else {
      restarts = std::floor(std::log(1.0 - fraction * (1.0 - t_mul_)) / std::log(t_mul_));
      const double done = (1.0 - std::pow(t_mul_, restarts)) / (1.0 - t_mul_);
      fraction = (fraction - done) / std::pow(t_mul_, restarts);
    }
    const double cosine = 0.5 * std::pow(m_mul_, restarts) * (1.0 + std::cos(pi * fraction));
    return initial_ * ((1.0 - alpha_) * cosine + alpha_);
  }

 private:
  double initial_, first_, t_mul_, m_mul_, alpha_;
};

template <class Kind>
std::unique_ptr<LearningRateSchedule> make_schedule(const Value& spec) {
  return std::make_unique<Kind>(spec);
}

ArgSpec initial_rate() {
  return required(float_arg("initial_learning_rate", std::nullopt, "the rate at step 0", 0.0));
}

ArgSpec positive(ArgSpec a) {
  a.min = 0.0;
  a.min_exclusive = true;
  return a;
}

}  // namespace

const KindRegistry<LearningRateSchedule>& schedule_registry() {
  static const KindRegistry<LearningRateSchedule> registry{
      "schedule",
      {
          {{"exponential_decay",
            "initial_learning_rate * decay_rate^(step / decay_steps)",
            {initial_rate(),
             required(positive(float_arg("decay_steps", std::nullopt, "steps per decay", 0.0))),
             required(float_arg("decay_rate", std::nullopt, "the factor per decay_steps", 0.0)),
             bool_arg("staircase", false, "decay in whole periods (floor of step / decay_steps)")}},
           [](const Value& spec) { return std::make_unique<TimeDecay>(spec, true); }},
          {{"inverse_time_decay",
            "initial_learning_rate / (1 + decay_rate * step / decay_steps)",
            {initial_rate(),
             required(positive(float_arg("decay_steps", std::nullopt, "steps per decay", 0.0))),
             required(float_arg("decay_rate", std::nullopt, "the decay per decay_steps", 0.0)),
             bool_arg("staircase", false, "decay in whole periods (floor of step / decay_steps)")}},
           [](const Value& spec) { return std::make_unique<TimeDecay>(spec, false); }},
          {{"piecewise_constant_decay",
            "values[i] from step boundaries[i-1] + 1 to boundaries[i]",
            {required(int_list_arg("boundaries", "the steps where the rate changes, increasing", true, 0.0)),
             required(float_list_arg("values", "the rates: one more than boundaries", true, 0.0))}},
           make_schedule<PiecewiseConstantDecay>},
          {{"polynomial_decay",
            "(initial - end) * (1 - step / decay_steps)^power + end",
            {initial_rate(),
             required(positive(float_arg("decay_steps", std::nullopt, "steps to reach the end rate", 0.0))),
             float_arg("end_learning_rate", 0.0001, "the rate after decay_steps", 0.0),
             float_arg("power", 1.0, "the polynomial's power", 0.0),
             bool_arg("cycle", false, "restart the decay over a multiple of decay_steps")}},
           make_schedule<PolynomialDecay>},
          {{"cosine_decay",
            "a half cosine from the rate to alpha * rate over decay_steps, after an optional linear warmup",
            {initial_rate(),
             required(positive(float_arg("decay_steps", std::nullopt, "steps of the cosine", 0.0))),
             float_arg("alpha", 0.0, "the final rate as a fraction of the peak", 0.0, 1.0),
             float_arg("warmup_target", std::nullopt, "the rate reached after the warmup (none: no warmup)",
                       0.0),
             float_arg("warmup_steps", 0.0, "steps of the linear warmup", 0.0)}},
           make_schedule<CosineDecay>},
          {{"cosine_decay_restarts",
            "cosine decays that restart (SGDR), each period t_mul times longer and m_mul times lower",
            {initial_rate(),
             required(
                 positive(float_arg("first_decay_steps", std::nullopt, "steps of the first period", 0.0))),
             positive(float_arg("t_mul", 2.0, "each period's length over the previous one's", 0.0)),
             float_arg("m_mul", 1.0, "each period's peak over the previous one's", 0.0),
             float_arg("alpha", 0.0, "the lowest rate as a fraction of the peak", 0.0, 1.0)}},
           make_schedule<CosineDecayRestarts>},
      }};
  return registry;
}

const FunctionFamily& schedule_family() {
  return schedule_registry().family();
}

std::unique_ptr<LearningRateSchedule> LearningRateSchedule::create(const Value& spec) {
  return schedule_registry().create(spec);
}

}  // namespace yamlnet
