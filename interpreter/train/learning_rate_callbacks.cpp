// Keras's ReduceLROnPlateau and LearningRateScheduler: callbacks that set the optimizer's learning rate
// between epochs.
#include <algorithm>
#include <cmath>

#include "interpreter/core/errors.hpp"
#include "interpreter/spec/kind_registry.hpp"
#include "interpreter/train/callbacks.hpp"
#include "interpreter/train/optimizers.hpp"

namespace yamlnet {

namespace {

std::string rate_text(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", rate);
  return buf;
}

// Multiplies the rate by `factor` (down to min_lr) when the monitor has not improved by min_delta for
// `patience` epochs, then waits `cooldown` epochs before counting again.
class ReduceLrOnPlateau : public Callback {
 public:
  ReduceLrOnPlateau(const Value& spec, const CallbackContext& context)
      : context_(context),
        monitor_(spec.arg("monitor")->s),
        higher_(higher_is_better(monitor_, spec.arg("mode")->s)),
        factor_(spec.number_arg("factor")),
        min_delta_(std::abs(spec.number_arg("min_delta"))),
        min_lr_(spec.number_arg("min_lr")),
        patience_(spec.arg("patience")->i),
        cooldown_(spec.arg("cooldown")->i),
        best_(higher_ ? -INFINITY : INFINITY) {
    if (context_.optimizer) context_.optimizer->mark_rate_set_by_callback();
  }

  void on_epoch_end(EpochEnd& end) override {
    const auto current = find_log(end.logs, monitor_);
    if (!current || !context_.optimizer) return;
    if (cooldown_left_ > 0) {
      --cooldown_left_;
      wait_ = 0;
    }
    if (higher_ ? *current > best_ + min_delta_ : *current < best_ - min_delta_) {
      best_ = *current;
      wait_ = 0;
      return;
    }
    if (cooldown_left_ > 0 || ++wait_ < patience_) return;
    Optimizer& optimizer = *context_.optimizer;
    const double old_rate = optimizer.next_learning_rate();
    // Keras compares with min_lr in float32, so a rate already at min_lr is left alone.
    if (static_cast<float>(old_rate) > static_cast<float>(min_lr_)) {
      const double rate = std::max(old_rate * factor_, min_lr_);
      optimizer.set_learning_rate(rate);
      if (context_.observer)
        context_.observer->on_message("Epoch " + std::to_string(end.epoch + 1) +
                                      ": ReduceLROnPlateau reducing learning rate to " + rate_text(rate) +
                                      ".");
      cooldown_left_ = cooldown_;
      wait_ = 0;
    }
  }

  nlohmann::ordered_json state() const override {
    return {{"best", best_},
            {"wait", wait_},
            {"cooldown_left", cooldown_left_},
            {"learning_rate", context_.optimizer ? context_.optimizer->next_learning_rate() : 0.0}};
  }
  void restore_state(const nlohmann::ordered_json& j) override {
    best_ = j.at("best").is_null() ? (higher_ ? -INFINITY : INFINITY) : j.at("best").get<double>();
    wait_ = j.at("wait").get<int64_t>();
    cooldown_left_ = j.at("cooldown_left").get<int64_t>();
    if (context_.optimizer) context_.optimizer->set_learning_rate(j.at("learning_rate").get<double>());
  }

 private:
  CallbackContext context_;
  std::string monitor_;
  bool higher_;
  double factor_, min_delta_, min_lr_;
  int64_t patience_, cooldown_;
  double best_;
  int64_t wait_ = 0, cooldown_left_ = 0;
};

// At the start of each epoch, the rate of the last listed epoch at or before it (epochs counted from 0, as
// Keras's schedule(epoch, lr) sees them); before the first listed epoch, the optimizer's own rate.
class LearningRateScheduler : public Callback {
 public:
  LearningRateScheduler(const Value& spec, const CallbackContext& context)
      : context_(context), epochs_(spec.arg("epochs")->ints()), rates_(spec.arg("learning_rates")->floats()) {
    if (epochs_.size() != rates_.size())
      throw ConfigError(
          {Diagnostic{spec.arg("learning_rates")->loc, "", "",
                      "argument 'learning_rates': one rate per entry of 'epochs' (" +
                          std::to_string(epochs_.size()) + "), got " + std::to_string(rates_.size())}});
    if (!std::is_sorted(epochs_.begin(), epochs_.end()) ||
        std::adjacent_find(epochs_.begin(), epochs_.end()) != epochs_.end())
      throw ConfigError({Diagnostic{spec.arg("epochs")->loc, "", "", "argument 'epochs': must increase"}});
    if (context_.optimizer) context_.optimizer->mark_rate_set_by_callback();
  }

  void on_epoch_begin(int epoch, int, long) override {
    if (!context_.optimizer) return;
    const auto after = std::upper_bound(epochs_.begin(), epochs_.end(), static_cast<int64_t>(epoch));
    if (after == epochs_.begin()) return;
    context_.optimizer->set_learning_rate(rates_[static_cast<size_t>(after - epochs_.begin() - 1)]);
  }

 private:
  CallbackContext context_;
  std::vector<int64_t> epochs_;
  std::vector<double> rates_;
};

}  // namespace

std::vector<CallbackEntry> learning_rate_callback_entries() {
  static const std::vector<std::string> modes{"auto", "min", "max"};
  ArgSpec factor = float_arg("factor", 0.1, "the rate is multiplied by this (below 1)", 0.0, 1.0);
  factor.min_exclusive = factor.max_exclusive = true;
  return {
      {{"reduce_lr_on_plateau",
        "multiply the learning rate by factor when the monitored value stops improving",
        {string_arg("monitor", "val_loss", "the logged value to watch"), factor,
         int_arg("patience", 10, "epochs without improvement before the rate is reduced", 0),
         enum_arg("mode", "auto", modes, "whether lower (min) or higher (max) is better"),
         float_arg("min_delta", 1e-4, "smallest change that counts as an improvement", 0.0),
         int_arg("cooldown", 0, "epochs to wait after a reduction before counting again", 0),
         float_arg("min_lr", 0.0, "the rate is never reduced below this", 0.0),
         int_arg("verbose", 0, "accepted for Keras compatibility (reductions are always reported)", 0)},
        {"ReduceLROnPlateau"}},
       [](const Value& spec, const CallbackContext& context) {
         return std::make_unique<ReduceLrOnPlateau>(spec, context);
       }},
      {{"learning_rate_scheduler",
        "set the learning rate at the start of given epochs: epochs[i] (from 0) starts learning_rates[i]",
        {required(int_list_arg("epochs", "the epochs (counted from 0) where a rate starts, increasing", true,
                               0.0)),
         required(float_list_arg("learning_rates", "the rate from each of those epochs on", true, 0.0)),
         int_arg("verbose", 0, "accepted for Keras compatibility", 0)},
        {"LearningRateScheduler"}},
       [](const Value& spec, const CallbackContext& context) {
         return std::make_unique<LearningRateScheduler>(spec, context);
       }},
  };
}

}  // namespace yamlnet
