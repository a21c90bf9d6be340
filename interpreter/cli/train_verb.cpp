// `yamlnet train`: fit the model the config describes and write its weights, history and effective config.
#include <cstdio>
#include <memory>

#include "interpreter/app/session.hpp"
#include "interpreter/cli/progress_bar.hpp"
#include "interpreter/cli/verb.hpp"

namespace yamlnet::cli {

namespace {

struct TrainArgs {
  ConfigArgs config;
  std::string weights_in, weights_out, resume;
  bool json = false;
};

void print_json(const TrainOutcome& outcome) {
  nlohmann::ordered_json j;
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
  std::printf("%s\n", j.dump().c_str());
}

void train(const TrainArgs& args) {
  const ModelSpec spec = args.config.load();
  const RunOptions options{args.config.config, args.config.sets, args.weights_in, args.weights_out,
                           args.resume};
  ProgressBar progress(args.json ? stderr : stdout, static_cast<int>(spec.fit.integer("verbose")));
  const TrainOutcome outcome = run_train(spec, options, &progress);
  print_warnings(outcome.warnings);
  if (args.json) return print_json(outcome);
  if (!outcome.test.empty())
    std::printf("Test:%s\n", ProgressBar::format_logs(prefixed(outcome.test, "test_")).c_str());
  std::printf("Weights written to %s\n", outcome.weights_path.c_str());
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
  cmd->callback([args] { train(*args); });
}

}  // namespace yamlnet::cli
