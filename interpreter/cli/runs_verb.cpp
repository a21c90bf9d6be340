// `yamlnet runs`: list, show, compare, rank and remove the runs the registry recorded.
#include <cstdio>
#include <memory>

#include "interpreter/cli/text_table.hpp"
#include "interpreter/cli/verb.hpp"
#include "interpreter/io/weights.hpp"
#include "interpreter/io/weights_diff.hpp"
#include "interpreter/registry/run_compare.hpp"

namespace yamlnet::cli {

namespace {

struct RunsArgs {
  RegistryChoice registry;
  RunFilter filter;
  std::vector<std::string> metrics;  // columns
  std::string sort, mode = "auto";
  int limit = 0;
  bool json = false;
  std::vector<std::string> ids;
};

void print_json(const nlohmann::ordered_json& j) {
  std::printf("%s\n", json_text(j).c_str());
}

std::unique_ptr<RunRegistry> open_registry(const RunsArgs& args) {
  if (args.registry.off) throw UsageError("runs: --no-registry leaves nothing to read");
  return std::make_unique<RunRegistry>(registry_path(args.registry.path));
}

// The metric columns: those asked for, else the first run's test figures, else its final ones (at most 3).
std::vector<std::string> metric_columns(const RunsArgs& args, const std::vector<RunRecord>& runs) {
  if (!args.metrics.empty()) return args.metrics;
  std::vector<std::string> out;
  if (!args.sort.empty()) out.push_back(args.sort);
  if (runs.empty()) return out;
  const auto& logs =
      runs.front().test_metrics.empty() ? runs.front().final_metrics : runs.front().test_metrics;
  for (const auto& [name, value] : logs.items())
    if (out.size() < 3 && name != args.sort) out.push_back(name);
  return out;
}

std::string wall_time(const RunRecord& run) {
  if (run.status == "running" || run.ended_at.empty()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", run.wall_seconds);
  return text;
}

void list_runs(const RunsArgs& args) {
  auto registry = open_registry(args);
  std::vector<RunRecord> runs = registry->runs(args.filter);
  if (!args.sort.empty()) {
    std::vector<RunRecord> ranked = ranked_by(runs, args.sort, args.mode);
    for (const auto& run : runs)  // runs without the metric after the ranked ones
      if (!run.metric(args.sort)) ranked.push_back(run);
    runs = std::move(ranked);
  }
  if (args.limit > 0 && runs.size() > static_cast<size_t>(args.limit))
    runs.resize(static_cast<size_t>(args.limit));
  if (args.json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& run : runs) j.push_back(run.to_json(false));
    return print_json(j);
  }
  const std::vector<std::string> columns = metric_columns(args, runs);
  std::vector<std::string> header{"ID", "CONFIG", "VERB", "STATUS", "STARTED", "WALL"};
  header.insert(header.end(), columns.begin(), columns.end());
  std::vector<std::vector<std::string>> rows;
  for (const auto& run : runs) {
    std::vector<std::string> row{run.id,     run.config_name, run.verb,
                                 run.status, run.started_at,  wall_time(run)};
    for (const auto& c : columns) row.push_back(format_metric(run.metric(c)));
    rows.push_back(std::move(row));
  }
  std::printf("%s", text_table(header, rows).c_str());
  if (runs.empty()) std::printf("(no runs in %s)\n", registry->path().c_str());
}

void show_run(const RunsArgs& args) {
  auto registry = open_registry(args);
  const RunRecord run = registry->run(args.ids.at(0));
  if (args.json) return print_json(run.to_json());
  std::printf("Run %s: %s of %s (%s)\n", run.id.c_str(), run.verb.c_str(), run.config_name.c_str(),
              run.config_path.c_str());
  std::printf("Status: %s%s\n", run.status.c_str(), run.error.empty() ? "" : (": " + run.error).c_str());
  std::printf("Started %s, ended %s, %s wall, %d threads, on %s (yamlnet %s)\n", run.started_at.c_str(),
              run.ended_at.empty() ? "-" : run.ended_at.c_str(), wall_time(run).c_str(), run.threads,
              run.host.c_str(), run.version.c_str());
  if (!run.sweep_id.empty()) std::printf("Sweep %s, trial %d\n", run.sweep_id.c_str(), run.trial);
  std::printf("Config hash: %s\n", run.config_hash.c_str());
  for (const auto& o : run.overrides) std::printf("  --set %s\n", o.c_str());
  if (!run.weights_path.empty())
    std::printf("Weights: %s (sha256 %s)\n", run.weights_path.c_str(), run.weights_sha256.c_str());
  if (!run.history.empty()) {
    std::vector<std::string> header{"epoch"};
    for (const auto& [name, value] : run.history.front().items())
      if (name != "epoch") header.push_back(name);
    std::vector<std::vector<std::string>> rows;
    for (const auto& epoch : run.history) {
      std::vector<std::string> row;
      for (const auto& name : header)
        row.push_back(name == "epoch" ? std::to_string(epoch.value("epoch", 0))
                                      : format_metric(epoch.contains(name) && epoch[name].is_number()
                                                          ? std::optional<double>(epoch[name].get<double>())
                                                          : std::nullopt));
      rows.push_back(std::move(row));
    }
    std::printf("History:\n%s", text_table(header, rows).c_str());
  }
  for (const auto* logs : {&run.final_metrics, &run.test_metrics})
    for (const auto& [name, value] : logs->items())
      if (value.is_number())
        std::printf("%s: %s\n", name.c_str(), format_metric(value.get<double>()).c_str());
}

// Each later run's weights against the first's, through `diff`'s own comparison.
nlohmann::ordered_json weight_changes(const std::vector<RunRecord>& runs) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  if (runs.front().weights_path.empty()) return out;
  const WeightsFile base = read_weights_file(runs.front().weights_path);
  for (size_t i = 1; i < runs.size(); ++i) {
    nlohmann::ordered_json e{{"a", runs.front().id}, {"b", runs[i].id}};
    try {
      if (runs[i].weights_path.empty()) throw Error("no weights file recorded");
      const WeightsDiff d = diff_weights(base, read_weights_file(runs[i].weights_path), DiffTolerance{});
      int changed = 0;
      const TensorDiff* most = nullptr;
      for (const auto& t : d.tensors) {
        changed += t.differs();
        if (!most || t.relative_l2 > most->relative_l2) most = &t;
      }
      e["tensors"] = d.tensors.size();
      e["tensors_changed"] = changed;
      if (most) e["most_changed"] = {{"tensor", most->name}, {"relative_l2", most->relative_l2}};
    } catch (const Error& err) {
      e["error"] = err.what();  // a weights file moved or removed since: the rest of the comparison stands
    }
    out.push_back(e);
  }
  return out;
}

void compare_runs(const RunsArgs& args) {
  if (args.ids.size() < 2) throw UsageError("runs compare: give two run ids or more");
  auto registry = open_registry(args);
  std::vector<RunRecord> runs;
  for (const auto& id : args.ids) runs.push_back(registry->run(id));
  const auto differences = config_differences(runs);
  const auto metrics = metric_names(runs);
  const auto weights = weight_changes(runs);
  if (args.json) {
    nlohmann::ordered_json j;
    j["runs"] = nlohmann::ordered_json::array();
    for (const auto& r : runs) j["runs"].push_back(r.id);
    j["config"] = nlohmann::ordered_json::array();
    for (const auto& d : differences) {
      nlohmann::ordered_json values = nlohmann::ordered_json::array();
      for (const auto& v : d.values)
        values.push_back(v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json());
      j["config"].push_back({{"key", d.key}, {"values", values}});
    }
    j["metrics"] = nlohmann::ordered_json::object();
    for (const auto& m : metrics) {
      nlohmann::ordered_json values = nlohmann::ordered_json::array();
      for (const auto& r : runs)
        values.push_back(r.metric(m) ? nlohmann::ordered_json(*r.metric(m)) : nullptr);
      j["metrics"][m] = values;
    }
    j["weights"] = weights;
    return print_json(j);
  }
  std::vector<std::string> header{""};
  for (const auto& r : runs) header.push_back(r.id);
  std::vector<std::vector<std::string>> config_rows, metric_rows;
  for (const auto& d : differences) {
    std::vector<std::string> row{d.key};
    for (const auto& v : d.values) row.push_back(v.value_or("(absent)"));
    config_rows.push_back(std::move(row));
  }
  for (const auto& m : metrics) {
    std::vector<std::string> row{m};
    for (const auto& r : runs) row.push_back(format_metric(r.metric(m)));
    metric_rows.push_back(std::move(row));
  }
  std::printf("Config (%zu keys differ):\n%s", differences.size(),
              differences.empty() ? "" : text_table(header, config_rows).c_str());
  std::printf("Metrics:\n%s", text_table(header, metric_rows).c_str());
  std::printf("Weights against %s:\n", runs.front().id.c_str());
  for (const auto& w : weights) {
    if (w.contains("error")) {
      std::printf("  %s: %s\n", w["b"].get<std::string>().c_str(), w["error"].get<std::string>().c_str());
      continue;
    }
    std::printf("  %s: %d of %d tensors changed", w["b"].get<std::string>().c_str(),
                w["tensors_changed"].get<int>(), w["tensors"].get<int>());
    if (w.contains("most_changed"))
      std::printf(", most %s (relative L2 %s)", w["most_changed"]["tensor"].get<std::string>().c_str(),
                  format_metric(w["most_changed"]["relative_l2"].get<double>()).c_str());
    std::printf("\n");
  }
}

void best_run(const RunsArgs& args) {
  if (args.sort.empty()) throw UsageError("runs best: --metric is required");
  auto registry = open_registry(args);
  const auto ranked = ranked_by(registry->runs(args.filter), args.sort, args.mode);
  if (ranked.empty()) throw UsageError("runs best: no recorded run has the metric '" + args.sort + "'");
  if (args.json) return print_json(ranked.front().to_json(false));
  std::printf("%s  %s=%s  (%s)\n", ranked.front().id.c_str(), args.sort.c_str(),
              format_metric(ranked.front().metric(args.sort)).c_str(), ranked.front().config_name.c_str());
}

void remove_runs(const RunsArgs& args) {
  auto registry = open_registry(args);
  const int removed = registry->remove(args.ids);
  if (args.json) return print_json({{"removed", removed}});
  std::printf("Removed %d run%s from %s (their files stay where they are)\n", removed,
              removed == 1 ? "" : "s", registry->path().c_str());
}

void add_filters(CLI::App* cmd, RunsArgs& args) {
  cmd->add_option("--config", args.filter.config_name, "only runs of this config name");
  cmd->add_option("--status", args.filter.status, "only runs with this status")
      ->check(CLI::IsMember({"running", "finished", "failed", "killed"}));
  cmd->add_option("--since", args.filter.since, "only runs started on or after this date (2026-12-06)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            const bool ok = text.size() >= 4 && text.find_first_not_of("0123456789-T:Z") == std::string::npos;
            return ok ? "" : "a date is YYYY-MM-DD (or longer: 2026-12-06T10:00), got '" + text + "'";
          },
          "DATE"));
  cmd->add_option("--sweep", args.filter.sweep_id, "only the trials of this sweep");
}

void add_mode(CLI::App* cmd, RunsArgs& args) {
  cmd->add_option("--mode", args.mode,
                  "auto (Keras's: higher is better for accuracies and ranking metrics), min or max")
      ->check(CLI::IsMember({"auto", "min", "max"}));
}

}  // namespace

void add_runs(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<RunsArgs>();
  CLI::App* cmd = app.add_subcommand("runs", "list the recorded runs; show, compare, rank or remove them");
  cmd->require_subcommand(0, 1);
  add_registry_options(cmd, args->registry);
  cmd->add_flag("--json", args->json, "print JSON on stdout");
  add_filters(cmd, *args);
  cmd->add_option("--sort", args->sort, "best first by this metric (test_hr@10, val_loss...)");
  add_mode(cmd, *args);
  cmd->add_option("--metric", args->metrics, "metric columns to show (repeatable)");
  cmd->add_option("--limit", args->limit, "show at most this many")->check(CLI::NonNegativeNumber);
  cmd->callback([args, cmd] {
    if (cmd->get_subcommands().empty()) list_runs(*args);
  });

  CLI::App* show = cmd->add_subcommand("show", "one run: config, status, history, metrics, weights");
  show->add_option("id", args->ids, "run id (or a unique prefix)")->required()->expected(1);
  show->callback([args] { show_run(*args); });

  CLI::App* compare = cmd->add_subcommand(
      "compare", "runs side by side: config keys that differ, metrics, weight changes against the first");
  compare->add_option("ids", args->ids, "run ids (two or more)")->required();
  compare->callback([args] { compare_runs(*args); });

  CLI::App* best = cmd->add_subcommand("best", "the run with the best value of a metric");
  best->add_option("--metric", args->sort, "metric to rank by (test_hr@10, val_loss...)")->required();
  add_mode(best, *args);
  add_filters(best, *args);
  best->callback([args] { best_run(*args); });

  CLI::App* rm = cmd->add_subcommand("rm", "remove runs from the registry (their files stay)");
  rm->add_option("ids", args->ids, "run ids")->required();
  rm->callback([args] { remove_runs(*args); });

  // --json and --registry also after the subcommand (`runs show ID --json`).
  for (CLI::App* sub : {show, compare, best, rm}) {
    sub->add_flag("--json", args->json, "print JSON on stdout");
    sub->add_option("--registry", args->registry.path, "run registry (SQLite)");
  }
}

}  // namespace yamlnet::cli
