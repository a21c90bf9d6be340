#pragma once
// One table entry per `yamlnet` verb: its name and the function that adds its subcommand, with its own
// options and callback, to the application. main() only parses and dispatches.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "interpreter/registry/run_recorder.hpp"
#include "interpreter/spec/model_spec.hpp"
#include "interpreter/train/logs.hpp"

namespace yamlnet::cli {

constexpr int kExitSuccess = 0;
constexpr int kExitUserError = 1;
constexpr int kExitUsage = 2;

// What a verb's callback reports back to main: its exit code, and the code a yamlnet::Error gets (diff keeps
// 1 for "they differ", as diff(1) does, so its errors exit with 2).
struct VerbOutcome {
  int exit_code = kExitSuccess;
  int error_exit_code = kExitUserError;
};

struct VerbEntry {
  const char* name;
  void (*add)(CLI::App& app, VerbOutcome& outcome);
};

// Every verb, in the order `yamlnet --help` lists them.
const std::vector<VerbEntry>& verb_registry();

// The config argument and --set overrides that most verbs share.
struct ConfigArgs {
  std::string config;
  std::vector<std::string> sets;
  // The config, parsed once for the whole run; its warnings printed.
  ModelSpec load() const;
};
void add_config_args(CLI::App* cmd, ConfigArgs& args);

// --registry PATH and --no-registry.
void add_registry_options(CLI::App* cmd, RegistryChoice& choice);

void print_warnings(const std::vector<std::string>& warnings);
nlohmann::ordered_json logs_json(const Logs& logs, const std::string& prefix = "");
Logs prefixed(const Logs& logs, const std::string& prefix);

void add_train(CLI::App& app, VerbOutcome& outcome);
void add_evaluate(CLI::App& app, VerbOutcome& outcome);
void add_predict(CLI::App& app, VerbOutcome& outcome);
void add_export(CLI::App& app, VerbOutcome& outcome);
void add_export_keras(CLI::App& app, VerbOutcome& outcome);
void add_export_onnx(CLI::App& app, VerbOutcome& outcome);
void add_recommend(CLI::App& app, VerbOutcome& outcome);
void add_summary(CLI::App& app, VerbOutcome& outcome);
void add_validate(CLI::App& app, VerbOutcome& outcome);
void add_init(CLI::App& app, VerbOutcome& outcome);
void add_diff(CLI::App& app, VerbOutcome& outcome);
void add_weights_summary(CLI::App& app, VerbOutcome& outcome);
void add_graph(CLI::App& app, VerbOutcome& outcome);
void add_plot(CLI::App& app, VerbOutcome& outcome);
void add_import(CLI::App& app, VerbOutcome& outcome);
void add_schema(CLI::App& app, VerbOutcome& outcome);
void add_reference(CLI::App& app, VerbOutcome& outcome);
void add_runs(CLI::App& app, VerbOutcome& outcome);
void add_sweep(CLI::App& app, VerbOutcome& outcome);
void add_report(CLI::App& app, VerbOutcome& outcome);

}  // namespace yamlnet::cli
