// `yamlnet sweep`: train a config's variants (a grid, random draws, or both) as separate processes, each a
// run in the registry tagged with the sweep's id; print the trials and the best one. A sweep that was killed
// goes on with `--resume ID`: the trials that did not finish run again, the finished ones stay.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/cli/text_table.hpp"
#include "interpreter/cli/verb.hpp"
#include "interpreter/core/fault_injection.hpp"
#include "interpreter/io/run_program.hpp"
#include "interpreter/registry/run_compare.hpp"
#include "interpreter/registry/sweep_plan.hpp"

namespace yamlnet::cli {

namespace {

struct SweepArgs {
  std::string config;
  std::vector<std::string> sets, grid, random;
  int n = 10, parallel = 0;  // 0: the sweep's own (1 for a new one)
  std::string metric, mode = "auto", resume;
  std::uint64_t seed = 1;
  RegistryChoice registry;
  bool json = false;
};

std::string own_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("yamlnet") : path.string();
}

bool sets_threads(const std::vector<std::string>& sets) {
  for (const auto& s : sets)
    if (s.rfind("threads=", 0) == 0) return true;
  return false;
}

// A new sweep: its trials planned, each checked as a config before any runs (a bad key fails here, with its
// file and line, not in trial 7's log).
SweepRecord plan_sweep(const SweepArgs& args) {
  if (args.config.empty()) throw UsageError("sweep: give a config (or --resume SWEEP_ID)");
  if (args.grid.empty() && args.random.empty()) throw UsageError("sweep: give --grid or --random axes");
  std::vector<GridAxis> grid;
  std::vector<RandomAxis> random;
  for (const auto& g : args.grid) grid.push_back(parse_grid_axis(g));
  for (const auto& r : args.random) random.push_back(parse_random_axis(r));
  SweepRecord sweep;
  sweep.id = new_run_id();
  sweep.config_path = args.config;
  sweep.created_at = utc_now();
  for (const auto& trial : plan_trials(grid, random, args.n, args.seed)) {
    std::vector<std::string> sets = args.sets;
    sets.insert(sets.end(), trial.begin(), trial.end());
    const ModelSpec spec = load_model_spec(args.config, sets);
    sweep.config_name = spec.name;
    sweep.trials.push_back(std::move(sets));
  }
  sweep.plan = {{"sets", args.sets}, {"grid", args.grid},        {"random", args.random},
                {"n", args.n},       {"seed", args.seed},        {"metric", args.metric},
                {"mode", args.mode}, {"parallel", args.parallel}};
  return sweep;
}

// The latest run of each trial (a finished one before any other).
std::map<int, RunRecord> trial_runs(RunRegistry& registry, const std::string& sweep_id) {
  std::map<int, RunRecord> out;
  for (auto& run : registry.runs(RunFilter{"", "", sweep_id, ""})) {  // newest first
    auto it = out.find(run.trial);
    if (it == out.end() || (it->second.status != "finished" && run.status == "finished"))
      out[run.trial] = std::move(run);
  }
  return out;
}

void run_trials(const SweepArgs& args, const SweepRecord& sweep, const std::string& registry, int parallel) {
  RunRegistry db(registry);
  std::vector<int> pending;
  const auto done = trial_runs(db, sweep.id);
  for (int t = 0; t < static_cast<int>(sweep.trials.size()); ++t)
    if (!done.count(t) || done.at(t).status != "finished") pending.push_back(t);
  const int total = static_cast<int>(sweep.trials.size());
  if (!args.json && pending.size() < sweep.trials.size())
    std::printf("Sweep %s: %zu of %d trials finished before; running the other %zu\n", sweep.id.c_str(),
                sweep.trials.size() - pending.size(), total, pending.size());
  // Threads split between the trials that run at once, unless the sweep sets them.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = std::max(1, cores / parallel);
  // Beside the registry, so a sweep's logs move with --registry.
  const std::filesystem::path logs = std::filesystem::path(registry).parent_path() / "sweeps" / sweep.id;
  std::filesystem::create_directories(logs);
  const auto kill_after = fault_setting("kill_sweep_after");
  const std::string exe = own_executable();
  std::map<long, int> running;  // pid -> trial
  size_t next = 0;
  int ended = 0;
  while (next < pending.size() || !running.empty()) {
    while (next < pending.size() && static_cast<int>(running.size()) < parallel) {
      const int t = pending[next++];
      std::vector<std::string> argv{exe, "train", sweep.config_path};
      std::vector<std::string> sets = sweep.trials[static_cast<size_t>(t)];
      if (!sets_threads(sets)) sets.push_back("threads=" + std::to_string(threads));
      for (const auto& s : sets) argv.insert(argv.end(), {"--set", s});
      argv.insert(argv.end(),
                  {"--registry", registry, "--sweep-trial", sweep.id + ":" + std::to_string(t), "--json"});
      const std::string log = (logs / ("trial-" + std::to_string(t) + ".log")).string();
      running[start_program(argv, log)] = t;
      if (!args.json) std::printf("Trial %d/%d started (log %s)\n", t + 1, total, log.c_str());
      std::fflush(stdout);
    }
    const auto [pid, status] = wait_any_program();
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    if (!args.json)
      std::printf("Trial %d/%d %s\n", it->second + 1, total,
                  status == 0 ? "finished" : ("failed (exit " + std::to_string(status) + ")").c_str());
    std::fflush(stdout);
    running.erase(it);
    if (kill_after && ++ended >= std::atoi(kill_after->c_str())) die_by_injected_fault();
  }
}

// val_loss when the trials logged it, else loss.
std::string chosen_metric(const std::string& asked, const std::map<int, RunRecord>& runs) {
  if (!asked.empty()) return asked;
  for (const auto& [t, run] : runs)
    if (run.metric("val_loss")) return "val_loss";
  return "loss";
}

void report_sweep(const SweepArgs& args, RunRegistry& db, const SweepRecord& sweep) {
  const auto runs = trial_runs(db, sweep.id);
  const std::string metric =
      chosen_metric(args.metric.empty() ? sweep.plan.value("metric", "") : args.metric, runs);
  const std::string mode = args.mode != "auto" ? args.mode : sweep.plan.value("mode", "auto");
  std::vector<RunRecord> finished;
  for (const auto& [t, run] : runs)
    if (run.status == "finished") finished.push_back(run);
  const auto ranked = ranked_by(finished, metric, mode);
  const size_t base = sweep.plan.contains("sets") ? sweep.plan["sets"].size() : 0;
  nlohmann::ordered_json trials = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (size_t t = 0; t < sweep.trials.size(); ++t) {
    const auto& sets = sweep.trials[t];
    const std::vector<std::string> own(sets.begin() + static_cast<long>(std::min(base, sets.size())),
                                       sets.end());
    const auto it = runs.find(static_cast<int>(t));
    const std::optional<double> value = it == runs.end() ? std::nullopt : it->second.metric(metric);
    std::string joined;
    for (const auto& s : own) joined += (joined.empty() ? "" : " ") + s;
    rows.push_back({std::to_string(t + 1), it == runs.end() ? "-" : it->second.id,
                    it == runs.end() ? "not run" : it->second.status, format_metric(value), joined});
    trials.push_back(
        {{"trial", t},
         {"overrides", own},
         {"run_id", it == runs.end() ? nlohmann::ordered_json() : nlohmann::ordered_json(it->second.id)},
         {"status", it == runs.end() ? "not run" : it->second.status},
         {metric, value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json()}});
  }
  if (args.json) {
    nlohmann::ordered_json j{{"sweep_id", sweep.id}, {"metric", metric}, {"trials", trials}};
    j["best"] = ranked.empty() ? nlohmann::ordered_json() : ranked.front().to_json(false);
    std::printf("%s\n", json_text(j).c_str());
  } else {
    std::printf("\nSweep %s of %s: %zu trials, %zu finished\n%s", sweep.id.c_str(), sweep.config_path.c_str(),
                sweep.trials.size(), finished.size(),
                text_table({"TRIAL", "RUN", "STATUS", metric, "OVERRIDES"}, rows).c_str());
    if (!ranked.empty())
      std::printf("Best: trial %d, run %s, %s=%s\n", ranked.front().trial + 1, ranked.front().id.c_str(),
                  metric.c_str(), format_metric(ranked.front().metric(metric)).c_str());
  }
  if (finished.empty())
    throw TrainingError("sweep " + sweep.id + ": no trial finished (see the trials' logs)");
  if (ranked.empty())
    throw UsageError("sweep " + sweep.id + ": no finished trial logged the metric '" + metric + "'");
}

void sweep(const SweepArgs& args) {
  if (args.registry.off)
    throw UsageError("sweep: trials are runs in the registry; --no-registry cannot apply");
  const std::string registry = registry_path(args.registry.path);
  RunRegistry db(registry);
  SweepRecord record;
  if (!args.resume.empty()) {
    record = db.sweep(args.resume);
  } else {
    record = plan_sweep(args);
    db.add_sweep(record);
    if (!args.json)
      std::printf("Sweep %s: %zu trials of %s\n", record.id.c_str(), record.trials.size(),
                  args.config.c_str());
  }
  const int parallel = args.parallel > 0 ? args.parallel : record.plan.value("parallel", 1);
  run_trials(args, record, registry, std::max(1, parallel));
  report_sweep(args, db, record);
}

}  // namespace

void add_sweep(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "train variants of a config (--grid, --random), each a recorded run; print the best");
  cmd->add_option("config", args->config, "model config (YAML); not needed with --resume");
  cmd->add_option("--set", args->sets, "override a config value in every trial");
  cmd->add_option("--grid", args->grid, "KEY=V1,V2,...: every value (repeat for a product of axes)");
  cmd->add_option("--random", args->random,
                  "KEY=int(a,b) | uniform(a,b) | log(a,b) | choice(x,y,...): drawn -n times per grid point");
  cmd->add_option("-n", args->n, "random draws (with --random)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--parallel", args->parallel, "trials at once, the cores split between them (default 1)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--metric", args->metric, "metric that picks the best trial (default val_loss, else loss)");
  cmd->add_option("--mode", args->mode, "auto (Keras's), min or max")
      ->check(CLI::IsMember({"auto", "min", "max"}));
  cmd->add_option("--seed", args->seed, "seed of the random draws")->capture_default_str();
  cmd->add_option("--resume", args->resume, "go on with this sweep: run its trials that did not finish");
  add_registry_options(cmd, args->registry);
  cmd->add_flag("--json", args->json, "print one JSON object on stdout");
  cmd->callback([args] { sweep(*args); });
}

}  // namespace yamlnet::cli
