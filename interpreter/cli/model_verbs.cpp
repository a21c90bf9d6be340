// The verbs that load a trained model and its data: evaluate, predict, export, recommend, and init, which
// writes a fresh one.
#include <cstdio>
#include <memory>

#include "interpreter/app/session.hpp"
#include "interpreter/cli/processes.hpp"
#include "interpreter/cli/progress_bar.hpp"
#include "interpreter/cli/verb.hpp"
#include "interpreter/io/keras_formats.hpp"

namespace yamlnet::cli {

namespace {

struct ModelArgs {
  ConfigArgs config;
  std::string weights, split = "test", output;
  bool json = false;
  RunOptions options() const { return RunOptions{config.config, config.sets, weights}; }
};

void add_weights_option(CLI::App* cmd, ModelArgs& args, bool required) {
  auto* option = cmd->add_option("--weights", args.weights,
                                 required ? "weights file" : "weights file (required unless --baseline)");
  if (required) option->required();
}

void add_split_option(CLI::App* cmd, std::string& split) {
  cmd->add_option("--split", split, "train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}))
      ->capture_default_str();
}

}  // namespace

void add_evaluate(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ModelArgs>();
  auto baseline = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("evaluate", "loss and metrics of given weights on a data split");
  add_config_args(cmd, args->config);
  add_weights_option(cmd, *args, false);
  add_split_option(cmd, args->split);
  cmd->add_flag("--json", args->json, "print one JSON object on stdout");
  cmd->add_option("--baseline", *baseline,
                  "rank with a baseline instead of the model (most_popular; no --weights needed)");
  auto registry = std::make_shared<RegistryChoice>();
  add_registry_options(cmd, *registry);
  cmd->callback([args, baseline, registry] {
    if (baseline->empty() && args->weights.empty()) throw UsageError("evaluate: --weights is required");
    const ModelSpec spec = args->config.load();
    // Under mpirun the processes split the rows; the first alone records and prints.
    const bool leader = processes().leader();
    RunRecorder recorder(recorded_by_first_process(*registry), "evaluate", spec, args->config.sets);
    print_warnings(recorder.warnings());
    std::vector<std::string> warnings;
    Logs logs;
    RunOptions options = args->options();
    options.processes = &processes();
    try {
      logs = baseline->empty() ? run_evaluate(spec, options, args->split, warnings)
                               : run_baseline(spec, options, *baseline, args->split, warnings);
    } catch (const std::exception& e) {
      recorder.fail(e.what());
      throw;
    }
    if (!leader) return;
    const size_t known = recorder.warnings().size();
    const std::string prefix = args->split + "_";
    recorder.finish({}, prefixed(logs, prefix), args->weights);
    print_warnings(warnings);
    print_warnings({recorder.warnings().begin() + static_cast<long>(known), recorder.warnings().end()});
    if (args->json)
      std::printf("%s\n", logs_json(logs, prefix).dump().c_str());
    else
      std::printf("%s:%s\n", args->split.c_str(), ProgressBar::format_logs(prefixed(logs, prefix)).c_str());
  });
}

void add_predict(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ModelArgs>();
  auto request = std::make_shared<PredictRequest>();
  CLI::App* cmd = app.add_subcommand(
      "predict", "write the model's outputs (or any layer's) for a data split, with row ids (CSV or NPY)");
  add_config_args(cmd, args->config);
  add_weights_option(cmd, *args, true);
  add_split_option(cmd, request->split);
  cmd->add_option("--outputs", request->outputs,
                  "layer outputs to write instead of the model's (`lstm`, `lstm:1` for its second)");
  cmd->add_flag("--masks", request->masks, "also write each output's mask (<name>_mask columns)");
  cmd->add_option("-o,--output", request->path, "output file: .csv or .npy (ids in .ids.npy)")->required();
  cmd->callback([args, request] {
    const ModelSpec spec = args->config.load();
    std::vector<std::string> warnings;
    const Index rows = run_predict(spec, args->options(), *request, warnings);
    print_warnings(warnings);
    std::printf("Wrote %lld predictions to %s\n", static_cast<long long>(rows), request->path.c_str());
  });
}

void add_export(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ModelArgs>();
  auto request = std::make_shared<ExportRequest>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "write a layer's output for every row of a split (a user tower), or an Embedding table, with ids");
  add_config_args(cmd, args->config);
  add_weights_option(cmd, *args, true);
  cmd->add_option("--outputs", request->layer_outputs,
                  "layers whose outputs to write (`lstm`, `lstm:1` for its second)");
  cmd->add_flag("--masks", request->masks, "also write each output's mask (<name>_mask columns)");
  cmd->add_option("--layer", request->table, "an Embedding whose table to write (one row per id)");
  add_split_option(cmd, request->split);
  cmd->add_option("--format", request->format,
                  "csv or npy (default: by the output's extension), or faiss: --layer's table as a FAISS "
                  "inner-product index of its rows under their ids, for recommend --index");
  cmd->add_option("--index", request->index, "with --format faiss: flat (exact, the default), hnsw or ivf");
  cmd->add_option("-o,--output", request->path, "output file: .csv or .npy (ids in .ids.npy), or the index")
      ->required();
  cmd->callback([args, request] {
    const ModelSpec spec = args->config.load();
    std::vector<std::string> warnings;
    const std::vector<std::string> files = run_export(spec, args->options(), *request, warnings);
    print_warnings(warnings);
    for (const auto& f : files) std::printf("Wrote %s\n", f.c_str());
  });
}

void add_export_keras(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ModelArgs>();
  auto format = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "export-keras", "write the model and its weights as a Keras model (.keras, .h5 or TF.js)");
  add_config_args(cmd, args->config);
  add_weights_option(cmd, *args, true);
  std::string formats;
  for (const KerasFormat& f : keras_formats())
    formats += (formats.empty() ? "" : "; ") + f.name + ": " + f.description;
  cmd->add_option("--format", *format, formats + ". Default: by the output's extension, else tfjs");
  cmd->add_option("-o,--output", args->output, "file (.keras, .h5) or folder (tfjs) to write")->required();
  cmd->callback([args, format] {
    const ModelSpec spec = args->config.load();
    std::vector<std::string> warnings;
    const std::vector<std::string> files =
        run_export_keras(spec, args->options(), *format, args->output, warnings);
    print_warnings(warnings);
    for (const auto& f : files) std::printf("Wrote %s\n", f.c_str());
  });
}

void add_export_onnx(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ModelArgs>();
  auto outputs = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "export-onnx", "write the model and its weights as an ONNX model (opset 17) for ONNX Runtime");
  add_config_args(cmd, args->config);
  add_weights_option(cmd, *args, true);
  cmd->add_option("--outputs", *outputs,
                  "layers to expose instead of the model's outputs (`user_vector`: a user tower alone)");
  cmd->add_option("-o,--output", args->output, "the .onnx file to write")->required();
  cmd->callback([args, outputs] {
    const ModelSpec spec = args->config.load();
    std::vector<std::string> warnings;
    const std::string file = run_export_onnx(spec, args->options(), *outputs, args->output, warnings);
    print_warnings(warnings);
    std::printf("Wrote %s\n", file.c_str());
  });
}

void add_recommend(CLI::App& app, VerbOutcome&) {
  struct RecommendArgs {
    ModelArgs model;
    Index user = 0, top_k = 10;
    bool include_seen = false;
    std::string index;
  };
  auto args = std::make_shared<RecommendArgs>();
  CLI::App* cmd = app.add_subcommand("recommend", "print the top items for a user");
  add_config_args(cmd, args->model.config);
  add_weights_option(cmd, args->model, true);
  cmd->add_option("--user", args->user, "user id, as in the data")->required();
  cmd->add_option("-k", args->top_k, "how many items")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_flag("--include-seen", args->include_seen, "also recommend items the user already had");
  cmd->add_option("--index", args->index,
                  "serve from this FAISS index of the item table (export --format faiss) instead of scoring "
                  "every item");
  cmd->add_flag("--json", args->model.json, "print one JSON object on stdout");
  cmd->callback([args] {
    const ModelSpec spec = args->model.config.load();
    std::vector<std::string> warnings;
    const auto items = args->index.empty()
                           ? run_recommend(spec, args->model.options(), args->user, args->top_k,
                                           args->include_seen, warnings)
                           : run_recommend_from_index(spec, args->model.options(), args->user, args->top_k,
                                                      args->include_seen, args->index, warnings);
    print_warnings(warnings);
    if (args->model.json) {
      nlohmann::ordered_json j;
      j["user"] = args->user;
      j["items"] = nlohmann::ordered_json::array();
      for (const auto& [item, score] : items) j["items"].push_back({{"item", item}, {"score", score}});
      std::printf("%s\n", j.dump().c_str());
      return;
    }
    std::printf("rank  item  score\n");
    for (size_t r = 0; r < items.size(); ++r)
      std::printf("%4zu  %4lld  %.6g\n", r + 1, static_cast<long long>(items[r].first),
                  static_cast<double>(items[r].second));
  });
}

void add_init(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ModelArgs>();
  CLI::App* cmd = app.add_subcommand("init", "write freshly initialised (seeded) weights");
  add_config_args(cmd, args->config);
  cmd->add_option("-o,--output", args->output, "weights file to write");
  cmd->callback([args] {
    const ModelSpec spec = args->config.load();
    std::vector<std::string> warnings;
    const std::string path =
        run_init(spec, RunOptions{args->config.config, args->config.sets, "", args->output}, warnings);
    print_warnings(warnings);
    std::printf("Initial weights written to %s\n", path.c_str());
  });
}

}  // namespace yamlnet::cli
