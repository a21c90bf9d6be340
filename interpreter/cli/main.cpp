// The `yamlnet` command line: the only place that prints or exits.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "interpreter/cli/progress_bar.hpp"
#include "interpreter/graph/graph_dot.hpp"
#include "interpreter/graph/summary.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/history_plot.hpp"
#include "interpreter/io/weights_diff.hpp"
#include "interpreter/spec/config_diff.hpp"
#include "interpreter/spec/json_schema.hpp"
#include "interpreter/spec/reference.hpp"
#include "interpreter/train/session.hpp"

using namespace yamlnet;

namespace {

constexpr int kExitUserError = 1;
constexpr int kExitUsage = 2;

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
}

nlohmann::ordered_json logs_json(const Logs& logs, const std::string& prefix = "") {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : logs) j[prefix + name] = value;
  return j;
}

Logs prefixed(const Logs& logs, const std::string& prefix) {
  Logs out;
  for (const auto& [name, value] : logs) out.emplace_back(prefix + name, value);
  return out;
}

struct CommonArgs {
  std::string config;
  std::vector<std::string> sets;
  bool json = false;
};

void add_common(CLI::App* cmd, CommonArgs& args) {
  cmd->add_option("config", args.config, "model config (YAML)")->required();
  cmd->add_option("--set", args.sets,
                  "override a config value: --set fit.epochs=1 --set layers.fc1.units=64");
}

int run_train(const CommonArgs& args, const std::string& weights_in, const std::string& weights_out,
              const std::string& resume) {
  RunOptions options{args.config, args.sets, weights_in, weights_out, resume};
  const ModelSpec spec = load_model_spec(options.config, options.overrides);
  ProgressBar progress(args.json ? stderr : stdout, static_cast<int>(spec.fit.integer("verbose")));
  TrainOutcome outcome = yamlnet::run_train(options, &progress);
  print_warnings(outcome.warnings);
  if (args.json) {
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
  } else {
    if (!outcome.test.empty())
      std::printf("Test:%s\n", ProgressBar::format_logs(prefixed(outcome.test, "test_")).c_str());
    std::printf("Weights written to %s\n", outcome.weights_path.c_str());
  }
  return 0;
}

int run_graph(const CommonArgs& args, const std::string& format, const std::string& out) {
  const ModelSpec spec = load_model_spec(args.config, args.sets);
  const std::string dot = graph_dot(validate_model(spec));
  if (format == "dot") {
    if (out.empty())
      std::printf("%s", dot.c_str());
    else
      write_file_atomically(out, dot);
    return 0;
  }
  if (out.empty()) throw UsageError("graph --format " + format + " needs -o FILE");
  if (std::system("command -v dot >/dev/null 2>&1") != 0)
    throw UsageError(
        "rendering " + format +
        " needs Graphviz's dot, which is not installed: apt-get install graphviz (or write DOT with "
        "--format dot and render it elsewhere)");
  const std::string dot_path = out + ".dot";
  write_file_atomically(dot_path, dot);
  const std::string command = "dot -T" + format + " '" + dot_path + "' -o '" + out + "'";
  const int status = std::system(command.c_str());
  std::remove(dot_path.c_str());
  if (status != 0) throw Error("dot failed to render " + out);
  std::printf("Wrote %s\n", out.c_str());
  return 0;
}

bool is_config_path(const std::string& path) {
  for (const std::string ext : {".yaml", ".yml"})
    if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) return true;
  return false;
}

// diff(1)'s exit codes: 0 equal (within tolerance), 1 different; errors give 2 (in main).
int run_diff(const std::string& a, const std::string& b, const DiffTolerance& tolerance, bool json) {
  if (is_config_path(a) != is_config_path(b))
    throw UsageError("diff: compare two weights files or two configs");
  if (is_config_path(a)) {
    const auto changes = diff_configs(a, b);
    if (json) {
      nlohmann::ordered_json j = nlohmann::ordered_json::array();
      for (const auto& c : changes)
        j.push_back({{"key", c.key},
                     {"old", c.old_value ? nlohmann::ordered_json(*c.old_value) : nlohmann::ordered_json()},
                     {"new", c.new_value ? nlohmann::ordered_json(*c.new_value) : nlohmann::ordered_json()}});
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%s", format_config_diff(changes).c_str());
    }
    return changes.empty() ? 0 : 1;
  }
  const WeightsDiff d = diff_weights(read_weights_file(a), read_weights_file(b), tolerance);
  if (json) {
    nlohmann::ordered_json j;
    j["equal"] = !d.differs();
    j["tensors"] = nlohmann::ordered_json::array();
    for (const auto& t : d.tensors) {
      nlohmann::ordered_json e{{"name", t.name},         {"in_a", t.in_a},
                               {"in_b", t.in_b},         {"shape_a", t.shape_a},
                               {"shape_b", t.shape_b},   {"max_abs", t.max_abs},
                               {"mean_abs", t.mean_abs}, {"relative_l2", t.relative_l2},
                               {"changed", t.changed},   {"size", t.size}};
      e["top_rows"] = nlohmann::ordered_json::array();
      for (const auto& [row, norm] : t.top_rows) e["top_rows"].push_back({{"row", row}, {"l2", norm}});
      j["tensors"].push_back(e);
    }
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s", format_weights_diff(d, tolerance).c_str());
  }
  return d.differs() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"yamlnet: Keras-style neural networks declared in YAML"};
  app.require_subcommand(1);
  CommonArgs common;
  std::string weights_in, weights_out, split = "test", output;

  CLI::App* train = app.add_subcommand("train", "train the model the config describes and write its weights");
  add_common(train, common);
  train->add_option("--weights-in", weights_in, "start from these weights instead of a fresh initialisation");
  train->add_option("--weights-out", weights_out,
                    "weights file to write (default runs/<name>/<name>.weights.json)");
  std::string resume;
  train->add_option("--resume", resume,
                    "continue from the newest intact checkpoint in this folder (fit.checkpoint.dir)");
  train->add_flag("--json", common.json, "print one JSON object with the final figures on stdout");

  CLI::App* evaluate = app.add_subcommand("evaluate", "loss and metrics of given weights on a data split");
  add_common(evaluate, common);
  evaluate->add_option("--weights", weights_in, "weights file (required unless --baseline)");
  evaluate->add_option("--split", split, "train, validation or test")->capture_default_str();
  evaluate->add_flag("--json", common.json, "print one JSON object on stdout");

  std::string baseline;
  evaluate->add_option("--baseline", baseline,
                       "rank with a baseline instead of the model (most_popular; no --weights needed)");

  CLI::App* predict =
      app.add_subcommand("predict", "write the model's outputs for a data split (CSV or NPY)");
  add_common(predict, common);
  predict->add_option("--weights", weights_in, "weights file")->required();
  predict->add_option("--split", split, "train, validation or test")->capture_default_str();
  predict->add_option("-o,--output", output, "output file: .csv or .npy")->required();

  ExportRequest export_request;
  CLI::App* export_cmd = app.add_subcommand(
      "export",
      "write a layer's output for every row of a split (a user tower), or an Embedding table, with ids");
  add_common(export_cmd, common);
  export_cmd->add_option("--weights", weights_in, "weights file")->required();
  export_cmd->add_option("--outputs", export_request.layer_outputs, "layers whose outputs to write");
  export_cmd->add_option("--layer", export_request.table,
                         "an Embedding whose table to write (one row per id)");
  export_cmd->add_option("--split", export_request.split, "train, validation or test")->capture_default_str();
  export_cmd->add_option("-o,--output", export_request.path, "output file: .csv or .npy (ids in .ids.npy)")
      ->required();

  Index user = 0, top_k = 10;
  bool include_seen = false;
  CLI::App* recommend = app.add_subcommand("recommend", "print the top items for a user");
  add_common(recommend, common);
  recommend->add_option("--weights", weights_in, "weights file")->required();
  recommend->add_option("--user", user, "user id, as in the data")->required();
  recommend->add_option("-k", top_k, "how many items")->capture_default_str();
  recommend->add_flag("--include-seen", include_seen, "also recommend items the user already had");
  recommend->add_flag("--json", common.json, "print one JSON object on stdout");

  CLI::App* summary =
      app.add_subcommand("summary", "print the layer table (Keras's model.summary()) and arguments");
  add_common(summary, common);

  CLI::App* validate = app.add_subcommand("validate", "check a config: syntax, arguments, graph and shapes");
  add_common(validate, common);

  CLI::App* init = app.add_subcommand("init", "write freshly initialised (seeded) weights");
  add_common(init, common);
  init->add_option("-o,--output", weights_out, "weights file to write");

  std::string diff_a, diff_b;
  DiffTolerance tolerance;
  bool diff_json = false;
  CLI::App* diff = app.add_subcommand(
      "diff",
      "compare two weights files tensor by tensor, or two configs key by key (exit 0 equal, 1 differ)");
  diff->add_option("a", diff_a, "weights file or config (A)")->required();
  diff->add_option("b", diff_b, "weights file or config (B)")->required();
  diff->add_option("--atol", tolerance.atol, "absolute tolerance per entry")->capture_default_str();
  diff->add_option("--rtol", tolerance.rtol, "relative tolerance per entry (of A's value)")
      ->capture_default_str();
  diff->add_option("--top", tolerance.top, "for 2-D tensors, list the K rows that moved most");
  diff->add_flag("--json", diff_json, "print one JSON object on stdout");

  std::string summary_path;
  CLI::App* weights_summary_cmd = app.add_subcommand(
      "weights-summary",
      "one line per tensor (shape, mean, std, min, max, L2, hash): a git textconv for weights");
  weights_summary_cmd->add_option("file", summary_path, "weights file")->required();

  std::string graph_format = "dot", graph_out;
  CLI::App* graph =
      app.add_subcommand("graph", "the layer graph with shapes as Graphviz DOT (or SVG/PNG via dot)");
  add_common(graph, common);
  graph->add_option("--format", graph_format, "dot, svg or png")
      ->check(CLI::IsMember({"dot", "svg", "png"}))
      ->capture_default_str();
  graph->add_option("-o,--output", graph_out, "file to write (default: DOT on stdout)");

  std::string plot_csv, plot_out;
  CLI::App* plot = app.add_subcommand("plot", "draw a history CSV (loss and metrics per epoch) as an SVG");
  plot->add_option("history", plot_csv, "history CSV (runs/<name>/<name>.history.csv)")->required();
  plot->add_option("-o,--output", plot_out, "SVG file to write")->required();

  CLI::App* schema = app.add_subcommand(
      "schema",
      "print the config format as a JSON Schema (schemas/model.schema.json), for editors and validators");

  CLI::App* reference =
      app.add_subcommand("reference", "print the config reference (docs/config.md) from the argument tables");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }

  try {
    std::vector<std::string> warnings;
    RunOptions options{common.config, common.sets, weights_in, weights_out};
    if (*train) return run_train(common, weights_in, weights_out, resume);
    if (*diff) return run_diff(diff_a, diff_b, tolerance, diff_json);
    if (*weights_summary_cmd) {
      std::printf("%s", weights_summary(read_weights_file(summary_path)).c_str());
      return 0;
    }
    if (*graph) return run_graph(common, graph_format, graph_out);
    if (*plot) {
      write_file_atomically(plot_out, history_svg(read_file(plot_csv), plot_csv));
      std::printf("Wrote %s\n", plot_out.c_str());
      return 0;
    }
    if (*schema) {
      std::printf("%s\n", config_json_schema().dump(2).c_str());
      return 0;
    }
    if (*reference) {
      std::printf("%s", config_reference_markdown().c_str());
      return 0;
    }
    if (*evaluate) {
      if (baseline.empty() && weights_in.empty()) throw UsageError("evaluate: --weights is required");
      const Logs logs = baseline.empty() ? run_evaluate(options, split, warnings)
                                         : run_baseline(options, baseline, split, warnings);
      print_warnings(warnings);
      if (common.json)
        std::printf("%s\n", logs_json(logs, split + "_").dump().c_str());
      else
        std::printf("%s:%s\n", split.c_str(), ProgressBar::format_logs(prefixed(logs, split + "_")).c_str());
    } else if (*predict) {
      const Index rows = run_predict(options, split, output, warnings);
      print_warnings(warnings);
      std::printf("Wrote %lld predictions to %s\n", static_cast<long long>(rows), output.c_str());
    } else if (*export_cmd) {
      const std::vector<std::string> files = run_export(options, export_request, warnings);
      print_warnings(warnings);
      for (const auto& f : files) std::printf("Wrote %s\n", f.c_str());
    } else if (*recommend) {
      const auto items = run_recommend(options, user, top_k, include_seen, warnings);
      print_warnings(warnings);
      if (common.json) {
        nlohmann::ordered_json j;
        j["user"] = user;
        j["items"] = nlohmann::ordered_json::array();
        for (const auto& [item, score] : items) j["items"].push_back({{"item", item}, {"score", score}});
        std::printf("%s\n", j.dump().c_str());
      } else {
        std::printf("rank  item  score\n");
        for (size_t r = 0; r < items.size(); ++r)
          std::printf("%4zu  %4lld  %.6g\n", r + 1, static_cast<long long>(items[r].first),
                      static_cast<double>(items[r].second));
      }
    } else if (*summary || *validate) {
      const ModelSpec spec = load_model_spec(common.config, common.sets);
      for (const auto& w : spec.warnings) std::fprintf(stderr, "%s\n", w.format().c_str());
      Model model = validate_model(spec);
      if (*summary)
        std::printf("%s\nArguments (defaults filled in):\n%s", model_summary(model).c_str(),
                    config_echo(model).c_str());
      else
        std::printf("%s: OK (%zu layers, %s parameters)\n", common.config.c_str(), model.nodes().size(),
                    thousands(model.count_params(true) + model.count_params(false)).c_str());
    } else if (*init) {
      const std::string path = run_init(options, warnings);
      print_warnings(warnings);
      std::printf("Initial weights written to %s\n", path.c_str());
    }
  } catch (const UsageError& e) {
    std::fprintf(stderr, "yamlnet: %s\n", e.what());
    return kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return *diff ? kExitUsage : kExitUserError;  // diff keeps 1 for "they differ", as diff(1) does
  } catch (const std::exception& e) {
    std::fprintf(stderr, "yamlnet: internal error: %s\n", e.what());
    return kExitUserError;
  }
  return 0;
}
