#pragma once
// Training and evaluation from C++ code, through the code `yamlnet train` and `yamlnet evaluate` run.
#include <functional>
#include <string>
#include <vector>

#include "yamlnet/errors.hpp"
#include "yamlnet/logs.hpp"

namespace yamlnet {

struct TrainOptions {
  std::vector<std::string> overrides;  // as `--set` takes them: "fit.epochs=3", "hidden.units=64"
  std::string weights_in;              // start from these weights instead of the seeded initial ones
  std::string weights_out;             // default runs/<name>/<name>.weights.json, as the CLI writes
  std::string resume;                  // continue from the newest intact checkpoint in this folder
  // Told of each finished epoch (counted from 0) and its logs (loss, metrics, val_ ones).
  std::function<void(int epoch, const Logs& logs)> on_epoch_end;
};

struct TrainResult {
  std::vector<Logs> history;  // one entry per epoch run
  Logs test;                  // on the test split; empty when the data has none
  std::string weights_path, history_path, config_path;
  std::vector<std::string> warnings;
};

// Trains the model `config` declares on its data and writes weights, history and effective config
// (atomically). Runs are not recorded in the run registry (the CLI records them). Throws the typed errors of
// yamlnet/errors.hpp: ConfigError, DataError, WeightsError, TrainingError (a non-finite loss), UsageError.
TrainResult train(const std::string& config, const TrainOptions& options = {});

// Loss and metrics of `weights` on a split of the config's data.
Logs evaluate(const std::string& config, const std::string& weights, const std::string& split = "test",
              const std::vector<std::string>& overrides = {});

}  // namespace yamlnet
