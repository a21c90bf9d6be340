#pragma once
// What the fit loop tells the code around it, in one interface: the progress bar, the history file, ranking
// validation, Keras's callbacks (EarlyStopping, ModelCheckpoint, CSVLogger) and run checkpoints are each a
// Callback in FitOptions::callbacks, called in list order.
#include <nlohmann/json.hpp>
#include <string>

#include "interpreter/train/logs.hpp"

namespace yamlnet {

// An epoch's end as the callbacks see it.
struct EpochEnd {
  int epoch = 0;  // counted from 0
  int epochs = 0;
  Logs& logs;  // a callback may add figures (ranking validation) for the ones after it
  double seconds = 0;
  bool stop = false;  // set to end training after this epoch; the callbacks after see it
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_epoch_begin(int /*epoch*/, int /*epochs*/, long /*steps*/) {}
  // `running`: the epoch's figures so far.
  virtual void on_batch_end(long /*step*/, const Logs& /*running*/) {}
  virtual void on_epoch_end(EpochEnd& /*end*/) {}
  virtual void on_train_end() {}
  // What a checkpoint keeps (best value, patience count, best weights...) and gives back on resume.
  virtual nlohmann::ordered_json state() const { return nullptr; }
  virtual void restore_state(const nlohmann::ordered_json& /*state*/) {}
};

// A callback that also hears the run's messages (resuming, early stopping): the CLI's progress bar. The
// library itself never prints.
class TrainingObserver : public Callback {
 public:
  virtual void on_message(const std::string& /*text*/) {}
};

}  // namespace yamlnet
