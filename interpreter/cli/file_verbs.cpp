// The verbs that read files a run wrote (diff, weights-summary and plot) and the Keras model import.
#include <cmath>
#include <cstdio>
#include <memory>

#include "interpreter/app/session.hpp"
#include "interpreter/cli/verb.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/history_plot.hpp"
#include "interpreter/io/keras_formats.hpp"
#include "interpreter/io/tfjs_import.hpp"
#include "interpreter/io/weights.hpp"
#include "interpreter/io/weights_diff.hpp"
#include "interpreter/spec/config_diff.hpp"
#include "interpreter/spec/model_spec.hpp"

namespace yamlnet::cli {

namespace {

bool is_config_path(const std::string& path) {
  for (const std::string ext : {".yaml", ".yml"})
    if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) return true;
  return false;
}

// A tolerance is a finite number >= 0: a negative or NaN one would make every entry "changed" or none.
const CLI::Validator kTolerance(
    [](std::string& text) -> std::string {
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
        return "a tolerance is a finite number >= 0, got '" + text + "'";
      return "";
    },
    "TOLERANCE");

struct DiffArgs {
  std::string a, b;
  DiffTolerance tolerance;
  bool json = false;
};

int diff_config_files(const DiffArgs& args) {
  const auto changes = diff_configs(args.a, args.b);
  if (args.json) {
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

int diff_weights_files(const DiffArgs& args) {
  const WeightsDiff d = diff_weights(read_weights_file(args.a), read_weights_file(args.b), args.tolerance);
  if (!args.json) {
    std::printf("%s", format_weights_diff(d, args.tolerance).c_str());
    return d.differs() ? 1 : 0;
  }
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
  return d.differs() ? 1 : 0;
}

}  // namespace

void add_diff(CLI::App& app, VerbOutcome& outcome) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand(
      "diff",
      "compare two weights files tensor by tensor, or two configs key by key (exit 0 equal, 1 differ)");
  cmd->add_option("a", args->a, "weights file or config (A)")->required();
  cmd->add_option("b", args->b, "weights file or config (B)")->required();
  cmd->add_option("--atol", args->tolerance.atol, "absolute tolerance per entry")
      ->check(kTolerance)
      ->capture_default_str();
  cmd->add_option("--rtol", args->tolerance.rtol, "relative tolerance per entry (of A's value)")
      ->check(kTolerance)
      ->capture_default_str();
  cmd->add_option("--top", args->tolerance.top, "for 2-D tensors, list the K rows that moved most")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "print one JSON object on stdout");
  cmd->callback([args, &outcome] {
    outcome.error_exit_code = kExitUsage;  // diff(1): 1 means "they differ", so errors take 2
    if (is_config_path(args->a) != is_config_path(args->b))
      throw UsageError("diff: compare two weights files or two configs");
    outcome.exit_code = is_config_path(args->a) ? diff_config_files(*args) : diff_weights_files(*args);
  });
}

void add_weights_summary(CLI::App& app, VerbOutcome&) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "weights-summary",
      "one line per tensor (shape, mean, std, min, max, L2, hash): a git textconv for weights");
  cmd->add_option("file", *path, "weights file")->required();
  cmd->callback([path] { std::printf("%s", weights_summary(read_weights_file(*path)).c_str()); });
}

void add_plot(CLI::App& app, VerbOutcome&) {
  auto csv = std::make_shared<std::string>(), out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("plot", "draw a history CSV (loss and metrics per epoch) as an SVG");
  cmd->add_option("history", *csv, "history CSV (runs/<name>/<name>.history.csv)")->required();
  cmd->add_option("-o,--output", *out, "SVG file to write")->required();
  cmd->callback([csv, out] {
    write_file_atomically(*out, history_svg(read_file(*csv), *csv));
    std::printf("Wrote %s\n", out->c_str());
  });
}

void add_import(CLI::App& app, VerbOutcome&) {
  struct ImportArgs {
    std::string model, out, weights_out;
  };
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import",
                                     "write a Keras model (.keras, .h5, model.to_json(), TF.js "
                                     "model.json) as a yamlnet config and its weights");
  cmd->add_option("model", args->model,
                  "a Keras 3 .keras archive, a Keras 1/2 .h5 model, a model.to_json() file (Keras 1, 2 or 3) "
                  "or a TF.js Layers model.json")
      ->required();
  cmd->add_option("-o,--output", args->out, "config to write (YAML)")->required();
  cmd->add_option("--weights-out", args->weights_out,
                  "weights to write in yamlnet's JSON (from a .keras, .h5 or TF.js model)");
  cmd->callback([args] {
    const KerasImport imported = import_keras_model(args->model);
    // Only a config that builds is written: the import never leaves a model yamlnet would refuse.
    Model model(parse_model_spec(imported.yaml, args->out));
    if (!args->weights_out.empty()) {
      if (!imported.has_weights)
        throw UsageError("import --weights-out: " + args->model +
                         " is a model.to_json() file, which holds no weights");
      assign_imported_weights(model, imported.weights(model), args->model);
    }
    write_file_atomically(args->out, imported.yaml);
    std::printf("Wrote %s\n", args->out.c_str());
    if (!args->weights_out.empty()) {
      save_weights(model, args->weights_out);
      std::printf("Wrote %s\n", args->weights_out.c_str());
    }
  });
}

}  // namespace yamlnet::cli
