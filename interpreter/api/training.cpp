// The public train() and evaluate() (include/yamlnet/train.hpp): the session's verbs, as the CLI runs them.
#include "interpreter/app/session.hpp"
#include "yamlnet/train.hpp"
#include "yamlnet/yamlnet.hpp"

namespace yamlnet {

namespace {

// Hands each finished epoch to the caller's function.
class EpochListener : public TrainingObserver {
 public:
  explicit EpochListener(const std::function<void(int, const Logs&)>& listener) : listener_(listener) {}
  void on_epoch_end(EpochEnd& end) override { listener_(end.epoch, end.logs); }

 private:
  const std::function<void(int, const Logs&)>& listener_;
};

}  // namespace

const char* version() {
  return YAMLNET_VERSION;
}

TrainResult train(const std::string& config, const TrainOptions& options) {
  const RunOptions run(config, options.overrides, options.weights_in, options.weights_out, options.resume);
  EpochListener listener(options.on_epoch_end);
  TrainOutcome outcome = run_train(run, options.on_epoch_end ? &listener : nullptr);
  TrainResult result;
  for (auto& epoch : outcome.history) result.history.push_back(std::move(epoch.logs));
  result.test = std::move(outcome.test);
  result.weights_path = std::move(outcome.weights_path);
  result.history_path = std::move(outcome.history_path);
  result.config_path = std::move(outcome.config_path);
  result.warnings = std::move(outcome.warnings);
  return result;
}

Logs evaluate(const std::string& config, const std::string& weights, const std::string& split,
              const std::vector<std::string>& overrides) {
  std::vector<std::string> warnings;
  return run_evaluate(RunOptions(config, overrides, weights), split, warnings);
}

}  // namespace yamlnet
