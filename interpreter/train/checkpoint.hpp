#pragma once
// Checkpoints (fit.checkpoint: {dir, every_epochs, keep}) and resuming from them. A checkpoint is a folder
// `epoch-NNNN` holding an ordinary weights file and `state.json`: the epochs done, the optimizer's state
// keyed by parameter name, each callback's state, the history so far and the effective config, with
// checksums. Every random draw of an epoch (shuffle, dropout, negatives, sampled softmax) comes from the seed
// and the epoch number, so the epoch is all the random state there is: a resumed run continues exactly as an
// uninterrupted one would (byte-identical weights).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/graph/model.hpp"
#include "interpreter/train/callbacks.hpp"
#include "interpreter/train/optimizers.hpp"
#include "interpreter/train/whole_tables.hpp"

namespace yamlnet {

const FunctionFamily& checkpoint_family();

struct TrainingState {
  Model* model = nullptr;
  Optimizer* optimizer = nullptr;
  std::vector<std::unique_ptr<Callback>>* callbacks = nullptr;
  std::vector<std::pair<int, Logs>>* history = nullptr;
};

class Checkpointer {
 public:
  Checkpointer(std::string dir, int every_epochs, int keep);
  // Called after each epoch (`epochs_done` counted from 1); writes a checkpoint when it is due or when
  // training ends here, then keeps the newest `keep`. Returns the folder written, or "".
  std::string after_epoch(int epochs_done, bool last, const TrainingState& state,
                          const std::string& config_yaml);
  bool due(int epochs_done, bool last) const { return last || epochs_done % every_ == 0; }
  const std::string& last_written() const { return last_; }
  void set_last_written(std::string folder) { last_ = std::move(folder); }  // after a resume

 private:
  std::string dir_, last_;
  int every_, keep_;
};

// Writes the run's checkpoints after the epochs they are due, and after the last one (also when a callback
// before it stopped training).
class CheckpointWriter : public Callback {
 public:
  // `writes`: this process writes the files (the first of a data-parallel run; the others only help gather
  // split tables).
  CheckpointWriter(Checkpointer& checkpointer, const TrainingState& state, std::string config_yaml,
                   bool writes = true)
      : checkpointer_(checkpointer), state_(state), config_yaml_(std::move(config_yaml)), writes_(writes) {}
  void on_epoch_end(EpochEnd& end) override {
    const bool last = end.stop || end.epoch + 1 == end.epochs;
    if (!checkpointer_.due(end.epoch + 1, last)) return;
    const WholeTables whole(*state_.model, state_.optimizer);
    if (writes_) checkpointer_.after_epoch(end.epoch + 1, last, state_, config_yaml_);
  }

 private:
  Checkpointer& checkpointer_;
  TrainingState state_;
  std::string config_yaml_;
  bool writes_;
};

struct ResumePoint {
  int epochs_done = 0;
  bool finished = false;  // the run had ended (early stopping): nothing left to train
  std::string folder;
  std::vector<std::string> warnings;  // damaged checkpoints that were skipped
};

// Restores the newest intact checkpoint of `dir` into `state`; damaged ones are reported and skipped. Throws
// TrainingError when none is usable, or when they belong to another model.
ResumePoint resume_from(const std::string& dir, const TrainingState& state);

}  // namespace yamlnet
