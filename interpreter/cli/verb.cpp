#include "interpreter/cli/verb.hpp"

#include <cstdio>

#include "interpreter/app/config_tables.hpp"

namespace yamlnet::cli {

const std::vector<VerbEntry>& verb_registry() {
  static const std::vector<VerbEntry> verbs{
      {"train", add_train},
      {"evaluate", add_evaluate},
      {"predict", add_predict},
      {"export", add_export},
      {"recommend", add_recommend},
      {"summary", add_summary},
      {"validate", add_validate},
      {"init", add_init},
      {"diff", add_diff},
      {"weights-summary", add_weights_summary},
      {"graph", add_graph},
      {"plot", add_plot},
      {"schema", add_schema},
      {"reference", add_reference},
      {"import", add_import},
      {"export-keras", add_export_keras},
      {"export-onnx", add_export_onnx},
      {"runs", add_runs},
      {"sweep", add_sweep},
      {"report", add_report},
  };
  return verbs;
}

ModelSpec ConfigArgs::load() const {
  ModelSpec spec = load_model_spec(config, sets);
  for (const auto& w : spec.warnings) std::fprintf(stderr, "%s\n", w.format().c_str());
  spec.warnings.clear();  // printed once, here
  return spec;
}

void add_config_args(CLI::App* cmd, ConfigArgs& args) {
  cmd->add_option("config", args.config, "model config (YAML)")->required();
  cmd->add_option("--set", args.sets,
                  "override a config value: --set fit.epochs=1 --set layers.fc1.units=64");
}

void add_registry_options(CLI::App* cmd, RegistryChoice& choice) {
  cmd->add_option("--registry", choice.path,
                  "run registry (SQLite; default $YAMLNET_REGISTRY, else runs/yamlnet.sqlite)");
  cmd->add_flag("--no-registry", choice.off, "do not record this run in the registry");
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
}

nlohmann::ordered_json logs_json(const Logs& logs, const std::string& prefix) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : logs) j[prefix + name] = value;
  return j;
}

Logs prefixed(const Logs& logs, const std::string& prefix) {
  Logs out;
  for (const auto& [name, value] : logs) out.emplace_back(prefix + name, value);
  return out;
}

}  // namespace yamlnet::cli
