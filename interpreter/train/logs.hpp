#pragma once
// Named figures of an epoch or an evaluation, in Keras's order: loss, metrics, then val_ ones.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace yamlnet {

using Logs = std::vector<std::pair<std::string, double>>;

std::optional<double> find_log(const Logs& logs, const std::string& key);

// Receives progress; the CLI draws the progress bar from it. The library itself never prints.
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_epoch_begin(int /*epoch*/, int /*epochs*/, long /*steps*/) {}
  virtual void on_batch_end(long /*step*/, const Logs& /*running*/) {}
  virtual void on_epoch_end(int /*epoch*/, const Logs& /*logs*/, double /*seconds*/) {}
  virtual void on_message(const std::string& /*text*/) {}
};

}  // namespace yamlnet
