// `yamlnet train`: fit the model the config describes and write its weights, history and effective config.
#include <cstdio>
#include <memory>

#include "interpreter/app/session.hpp"
#include "interpreter/cli/processes.hpp"
#include "interpreter/cli/progress_bar.hpp"
#include "interpreter/cli/verb.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/registry/run_recorder.hpp"

namespace yamlnet::cli {

namespace {

struct TrainArgs {
  ConfigArgs config;
  std::string weights_in, weights_out, resume;
  bool json = false;
  RegistryChoice registry;
  std::string sweep_trial;                    // SWEEP_ID:TRIAL, from `yamlnet sweep`
  double rank_timeout = kDefaultRankTimeout;  // seconds; an mpirun launch only
};

void print_json(const TrainOutcome& outcome, const std::string& run_id) {
  nlohmann::ordered_json j;
  if (!run_id.empty()) j["run_id"] = run_id;
  j["weights"] = outcome.weights_path;
  j["history"] = outcome.history_path;
  j["config"] = outcome.config_path;
  j["epochs"] = outcome.history.size();
  j["final"] =
      outcome.history.empty() ? nlohmann::ordered_json::object() : logs_json(outcome.history.back().logs);
  if (!outcome.test.empty()) j["test"] = logs_json(outcome.test, "test_");
  // Training throughput of this run's epochs (their data work included, validation and test excluded).
  double seconds = 0, samples = 0;
  for (const auto& record : outcome.history) {
    seconds += record.train_seconds;
    samples += static_cast<double>(record.train_samples);
  }
  j["train_seconds"] = seconds;
  j["train_samples_per_second"] = seconds > 0 ? samples / seconds : 0.0;
  std::printf("%s\n", json_text(j).c_str());
}

// A recorded run's files are in its own folder (runs/<name>/<id>/), so no run overwrites another's; the
// usual paths (runs/<name>/<name>.*) become second names of the newest run's files.
void link_latest(const ModelSpec& spec, const TrainOutcome& outcome) {
  const std::string from = weights_stem(outcome.weights_path), to = weights_stem(default_weights_path(spec));
  link_file_atomically(outcome.weights_path, default_weights_path(spec));
  link_file_atomically(outcome.config_path, to + ".config.yaml");
  if (outcome.history_path == from + ".history.csv")
    link_file_atomically(outcome.history_path, to + ".history.csv");
}

RegistryChoice registry_choice(const TrainArgs& args) {
  RegistryChoice choice = args.registry;
  if (args.sweep_trial.empty()) return choice;
  const auto colon = args.sweep_trial.rfind(':');
  if (colon == std::string::npos) throw UsageError("train: --sweep-trial takes SWEEP_ID:TRIAL");
  choice.sweep_id = args.sweep_trial.substr(0, colon);
  choice.trial = std::atoi(args.sweep_trial.c_str() + colon + 1);
  return choice;
}

void train(const TrainArgs& args) {
  const ModelSpec spec = args.config.load();
  // In an mpirun launch every process trains; the first alone records, prints and writes.
  Collective& all = processes();
  if (args.rank_timeout <= 0) throw UsageError("train: --rank-timeout must be a positive number of seconds");
  set_rank_timeout(args.rank_timeout);
  const bool leader = all.leader();
  RunRecorder recorder(recorded_by_first_process(registry_choice(args)), "train", spec, args.config.sets);
  print_warnings(recorder.warnings());
  const bool own_folder = recorder.active() && args.weights_out.empty();
  RunOptions options{args.config.config, args.config.sets, args.weights_in,
                     own_folder ? recorded_weights_path(spec, recorder.id()) : args.weights_out, args.resume};
  options.processes = &all;
  ProgressBar progress(args.json ? stderr : stdout, static_cast<int>(spec.fit.integer("verbose")));
  ObserverList observers({&progress, &recorder});
  TrainOutcome outcome;
  try {
    outcome = run_train(spec, options, leader ? &observers : nullptr);
    if (own_folder) link_latest(spec, outcome);
  } catch (const std::exception& e) {
    recorder.fail(e.what());
    throw;
  }
  if (!leader) return;
  const size_t known = recorder.warnings().size();
  recorder.finish(outcome.history.empty() ? Logs{} : outcome.history.back().logs,
                  prefixed(outcome.test, "test_"), outcome.weights_path);
  print_warnings(outcome.warnings);
  print_warnings({recorder.warnings().begin() + static_cast<long>(known), recorder.warnings().end()});
  if (args.json) return print_json(outcome, recorder.active() ? recorder.id() : "");
  if (!outcome.test.empty())
    std::printf("Test:%s\n", ProgressBar::format_logs(prefixed(outcome.test, "test_")).c_str());
  std::printf("Weights written to %s\n", outcome.weights_path.c_str());
  if (recorder.active())
    std::printf("Run %s recorded in %s\n", recorder.id().c_str(), registry_path(args.registry.path).c_str());
}

}  // namespace

void add_train(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "train the model the config describes and write its weights");
  add_config_args(cmd, args->config);
  cmd->add_option("--weights-in", args->weights_in,
                  "start from these weights instead of a fresh initialisation");
  cmd->add_option("--weights-out", args->weights_out,
                  "weights file to write (default runs/<name>/<name>.weights.json)");
  cmd->add_option("--resume", args->resume,
                  "continue from the newest intact checkpoint in this folder (fit.checkpoint.dir)");
  cmd->add_flag("--json", args->json, "print one JSON object with the final figures on stdout");
  add_registry_options(cmd, args->registry);
  cmd->add_option("--rank-timeout", args->rank_timeout,
                  "under mpirun: seconds a process waits for the others before naming the ones that stopped "
                  "answering and stopping every process")
      ->capture_default_str();
  cmd->add_option("--sweep-trial", args->sweep_trial, "SWEEP_ID:TRIAL (set by yamlnet sweep)")->group("");
  cmd->callback([args] { train(*args); });
}

}  // namespace yamlnet::cli
