#pragma once
// Keras-style training output: a live progress bar on a terminal, one line per epoch otherwise.
#include <chrono>
#include <cstdio>

#include "interpreter/train/callback.hpp"

namespace yamlnet {

class ProgressBar : public TrainingObserver {
 public:
  // verbose: 0 silent, 1 progress bar (one line per epoch when `out` is not a terminal), 2 one line per
  // epoch.
  ProgressBar(std::FILE* out, int verbose);
  void on_epoch_begin(int epoch, int epochs, long steps) override;
  void on_batch_end(long step, const Logs& running) override;
  void on_epoch_end(EpochEnd& end) override;
  void on_message(const std::string& text) override;

  // " - loss: 0.4962 - accuracy: 0.8256" as Keras formats it.
  static std::string format_logs(const Logs& logs);

 private:
  std::string bar(long step) const;
  std::FILE* out_;
  int verbose_;
  bool live_;
  long steps_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace yamlnet
