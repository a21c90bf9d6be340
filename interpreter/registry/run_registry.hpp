#pragma once
// The run registry: one SQLite database (default runs/yamlnet.sqlite) in which every `train` and `evaluate`
// records a run - its effective config and hash, overrides, times, status, per-epoch history, metrics,
// weights file and sha256, machine and threads - and `sweep` its trials. WAL mode and a busy timeout let
// parallel trainings record into one file; the schema is versioned (PRAGMA user_version) and migrated
// forward on open.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "interpreter/registry/sqlite_db.hpp"

namespace yamlnet {

// A run's status. `killed`: recorded as running by a process on this machine that no longer exists.
inline constexpr const char* kRunStatuses[] = {"running", "finished", "failed", "killed"};

struct RunRecord {
  std::string id;
  std::string verb;  // train | evaluate
  std::string config_name, config_path, config_yaml, config_hash;
  std::vector<std::string> overrides;  // --set key=value, in the order given
  std::string started_at, ended_at;    // ISO 8601, UTC ("" while running)
  std::string status = "running";
  std::string error;  // a failed run's message
  // One object per epoch, {"epoch": n (from 1), name: value...}.
  nlohmann::ordered_json history = nlohmann::ordered_json::array();
  nlohmann::ordered_json final_metrics = nlohmann::ordered_json::object();  // the last epoch's logs
  nlohmann::ordered_json test_metrics = nlohmann::ordered_json::object();  // test_... (evaluate: <split>_...)
  std::string weights_path, weights_sha256;
  std::string version, host;
  std::int64_t pid = 0, pid_start = 0;  // the recording process and its start time (tells pid reuse apart)
  int threads = 0;
  double wall_seconds = 0;
  std::string sweep_id;
  int trial = -1;  // its index in the sweep

  // final_metrics, then test_metrics; nullopt when neither has `name`.
  std::optional<double> metric(const std::string& name) const;
  // Every field, as `runs show --json` prints it (config_yaml only when `with_config`).
  nlohmann::ordered_json to_json(bool with_config = true) const;
};

struct RunFilter {
  std::string config_name, status, sweep_id;
  std::string since;  // runs started at or after this date/time (ISO 8601 prefix: 2026-12-06)
};

struct SweepRecord {
  std::string id, config_path, config_name, created_at;
  nlohmann::ordered_json plan;  // what `sweep` was asked: grids, randoms, n, seed, metric, mode, parallel
  std::vector<std::vector<std::string>> trials;  // each trial's --set overrides
};

class RunRegistry {
 public:
  // Opens (creates) the registry at `path`, creating its folder. Throws RegistryError for a damaged or
  // foreign database, or one of a newer schema.
  explicit RunRegistry(const std::string& path);
  ~RunRegistry();
  RunRegistry(const RunRegistry&) = delete;
  RunRegistry& operator=(const RunRegistry&) = delete;

  static constexpr int kSchemaVersion = 1;
  const std::string& path() const;

  // Records a new run as running (id, started_at, pid, host and version filled in); returns its id.
  std::string begin_run(RunRecord run);
  void add_epoch(const std::string& id, const nlohmann::ordered_json& epoch_logs);
  // Sets status finished (or failed with `error` when it is not empty), the end time and what the run
  // learned at the end.
  void finish_run(const RunRecord& run);

  // Runs matching `filter`, newest first. Marks running runs of dead processes killed first.
  std::vector<RunRecord> runs(const RunFilter& filter = {});
  // The run with this id or unique id prefix; RegistryError when none or several match.
  RunRecord run(const std::string& id_or_prefix);
  // Removes runs (and their history); returns how many. Files are left where they are.
  int remove(const std::vector<std::string>& ids);

  void add_sweep(const SweepRecord& sweep);
  SweepRecord sweep(const std::string& id);
  // The newest sweep's id, "" when there are none.
  std::string last_sweep_id();

 private:
  struct State;
  std::unique_ptr<State> state_;
  void mark_killed_runs();
  // Checks the file's owner and schema, migrates it and switches it to WAL.
  void set_up(const std::string& path);
};

// JSON text of `j`; bytes that are not UTF-8 (a --set value, a file name) become U+FFFD instead of throwing.
std::string json_text(const nlohmann::ordered_json& j);

// Where the registry lives: `flag` (--registry) when given, else YAMLNET_REGISTRY, else runs/yamlnet.sqlite.
std::string registry_path(const std::string& flag);
// Now, UTC, as 2026-12-06T03:17:17Z.
std::string utc_now();
// A new run or sweep id: UTC time and 4 random hex digits (20261206-031717-a3f0).
std::string new_run_id();
// This process's start time as the kernel counts it (/proc/self/stat), 0 when unknown.
std::int64_t process_start_time(std::int64_t pid);

}  // namespace yamlnet
