#pragma once
// Records one `train` or `evaluate` in the run registry as it happens: running at the start, each epoch as
// it ends (a killed run keeps the epochs it finished), finished or failed at the end. The registry is a
// record, not a requirement: when it cannot be opened or written, the run goes on, its own files land, and
// the reason is kept as a warning.
#include <memory>
#include <string>
#include <vector>

#include "interpreter/registry/run_registry.hpp"
#include "interpreter/spec/model_spec.hpp"
#include "interpreter/train/callback.hpp"

namespace yamlnet {

struct RegistryChoice {
  std::string path;  // --registry ("" for YAMLNET_REGISTRY or the default)
  bool off = false;  // --no-registry
  std::string sweep_id;
  int trial = -1;
};

class RunRecorder : public TrainingObserver {
 public:
  RunRecorder(const RegistryChoice& choice, const std::string& verb, const ModelSpec& spec,
              const std::vector<std::string>& overrides);
  ~RunRecorder() override;

  // Whether the run is being recorded (the registry opened and took the run).
  bool active() const { return registry_ != nullptr; }
  const std::string& id() const { return run_.id; }
  // Problems with the registry, for the CLI to print.
  const std::vector<std::string>& warnings() const { return warnings_; }

  void on_epoch_end(EpochEnd& end) override;
  // The run ended well: its last epoch's logs, test (or evaluated split's) figures, and weights file.
  void finish(const Logs& final_logs, const Logs& test_logs, const std::string& weights_path);
  void fail(const std::string& message);

 private:
  std::unique_ptr<RunRegistry> registry_;
  RunRecord run_;
  std::vector<std::string> warnings_;
  double started_ = 0;
  bool ended_ = false;
  void lost(const std::string& doing, const std::exception& e);
  void end();
};

// Forwards every callback to each observer in turn: the progress bar and the recorder both watch a run.
class ObserverList : public TrainingObserver {
 public:
  explicit ObserverList(std::vector<TrainingObserver*> observers) : observers_(std::move(observers)) {}
  void on_epoch_begin(int epoch, int epochs, long steps) override;
  void on_batch_end(long step, const Logs& running) override;
  void on_epoch_end(EpochEnd& end) override;
  void on_train_end() override;
  void on_message(const std::string& text) override;

 private:
  std::vector<TrainingObserver*> observers_;
};

// `runs/<name>/<id>/<name>.weights.json`: each recorded run's files in their own folder.
std::string recorded_weights_path(const ModelSpec& spec, const std::string& run_id);

}  // namespace yamlnet
