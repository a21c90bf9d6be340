#pragma once
// A training run's files - weights, history and effective config - land as one unit. They are written into
// a staging folder beside the weights (`.<name>.partial-<pid>/`) and moved into place together at the end,
// under a lock, so that:
// - a run that fails (disk full, a folder in the way of the weights) leaves the previous run's files as they
//   were: the folder keeps describing the weights it holds;
// - two runs writing the same paths never leave one's config beside the other's weights;
// - staging folders of runs that were killed are removed by the next run that writes there.
#include <string>

namespace yamlnet {

class RunOutputs {
 public:
  RunOutputs(std::string weights_path, std::string history_path, std::string config_path);
  // Removes the staging folder unless commit() moved its files.
  ~RunOutputs();
  RunOutputs(const RunOutputs&) = delete;
  RunOutputs& operator=(const RunOutputs&) = delete;

  // Where to write each file during the run (inside the staging folder).
  const std::string& staged_weights() const { return staged_weights_; }
  const std::string& staged_history() const { return staged_history_; }
  const std::string& staged_config() const { return staged_config_; }
  // Moves the staged files into place: config, history, then weights, under an exclusive lock on
  // `<weights>.lock`. Throws Error when a move fails (the previous files stay for those not yet moved).
  void commit();

 private:
  std::string weights_, history_, config_;
  std::string staging_, staged_weights_, staged_history_, staged_config_;
  bool committed_ = false;
};

// Removes `<folder>/.<name>.partial-<pid>` folders and `<file>.tmp.<pid>` files of processes that no longer
// run (a killed run's leftovers) in the folder of `path`.
void remove_stale_run_files(const std::string& path);

}  // namespace yamlnet
