#pragma once
// What the CLI verbs do, as library calls: load the config, build, load data, train / evaluate / predict,
// write files. Nothing here prints; progress goes to a TrainingObserver.
#include <string>
#include <vector>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/train/trainer.hpp"

namespace yamlnet {

struct RunOptions {
  // A constructor, so that leaving out the trailing options stays warning-free.
  RunOptions(std::string config_ = "", std::vector<std::string> overrides_ = {}, std::string weights_in_ = "",
             std::string weights_out_ = "", std::string resume_ = "")
      : config(std::move(config_)),
        overrides(std::move(overrides_)),
        weights_in(std::move(weights_in_)),
        weights_out(std::move(weights_out_)),
        resume(std::move(resume_)) {}
  std::string config;
  std::vector<std::string> overrides;  // --set key=value
  std::string weights_in;              // start from (train) / use (evaluate, predict)
  std::string weights_out;             // train / init; default runs/<name>/<name>.weights.json
  std::string resume;                  // train: continue from the newest intact checkpoint of this folder
  // train, evaluate: the processes of a data-parallel launch (mpirun); null for one. Each takes its share of
  // the rows; only the first writes files.
  Collective* processes = nullptr;
};

struct TrainOutcome {
  std::vector<EpochRecord> history;
  Logs test;  // empty when the data has no test split
  std::string weights_path, history_path, config_path;
  std::vector<std::string> warnings;
};

// Each verb comes in two forms: with the config already parsed (the CLI parses it once per run), and from
// options.config and options.overrides (tests, the library).
TrainOutcome run_train(const ModelSpec& spec, const RunOptions& options, TrainingObserver* observer);
TrainOutcome run_train(const RunOptions& options, TrainingObserver* observer);
// Evaluates on `split` (test, validation or train). Returns loss and metrics.
Logs run_evaluate(const ModelSpec& spec, const RunOptions& options, const std::string& split,
                  std::vector<std::string>& warnings);
Logs run_evaluate(const RunOptions& options, const std::string& split, std::vector<std::string>& warnings);
// Writes the model's outputs for `split` to `out_path` (.csv or .npy). Returns the number of rows.
// The file type must be .csv or .npy (UsageError otherwise, before anything is computed).
// The model with its weights in a Keras format (keras_formats(): `format`, or else the one `path`'s
// extension names, or else a TF.js folder); returns the files written.
std::vector<std::string> run_export_keras(const ModelSpec& spec, const RunOptions& options,
                                          const std::string& format, const std::string& path,
                                          std::vector<std::string>& warnings);

// The model with its weights as ONNX (opset 17) at `path`; `outputs` names layers to expose instead of the
// model's outputs (a user tower). Returns the file written.
std::string run_export_onnx(const ModelSpec& spec, const RunOptions& options,
                            const std::vector<std::string>& outputs, const std::string& path,
                            std::vector<std::string>& warnings);

struct PredictRequest {
  std::string split = "test";
  std::string path;                  // .csv or .npy
  std::vector<std::string> outputs;  // --outputs: layers (`lstm`, `lstm:1`); default the model's outputs
  bool masks = false;                // --masks: also each output's mask, as <name>_mask
};
Index run_predict(const ModelSpec& spec, const RunOptions& options, const PredictRequest& request,
                  std::vector<std::string>& warnings);
Index run_predict(const RunOptions& options, const PredictRequest& request,
                  std::vector<std::string>& warnings);
// The most-popular baseline's ranking metrics (compile.metrics) on `split` (validation or test).
Logs run_baseline(const ModelSpec& spec, const RunOptions& options, const std::string& baseline,
                  const std::string& split, std::vector<std::string>& warnings);
Logs run_baseline(const RunOptions& options, const std::string& baseline, const std::string& split,
                  std::vector<std::string>& warnings);

struct ExportRequest {
  std::vector<std::string> layer_outputs;  // --outputs: these layers' outputs (`lstm:1`) for every row
  bool masks = false;                      // --masks: their masks too
  std::string table;                       // --layer: this Embedding's table, one row per id
  std::string split = "test";
  std::string path;    // .csv or .npy; with format "faiss" the index file
  std::string format;  // --format: "" (by the extension: csv, npy) or "faiss" (--layer's table as an index)
  std::string index;   // --index: the FAISS index kind, flat (exact, the default), hnsw or ivf
};
// Returns the files written.
std::vector<std::string> run_export(const ModelSpec& spec, const RunOptions& options,
                                    const ExportRequest& request, std::vector<std::string>& warnings);
std::vector<std::string> run_export(const RunOptions& options, const ExportRequest& request,
                                    std::vector<std::string>& warnings);
// The top k items for a user (best first, with scores).
std::vector<std::pair<Index, Real>> run_recommend(const ModelSpec& spec, const RunOptions& options,
                                                  Index user, Index k, bool include_seen,
                                                  std::vector<std::string>& warnings);
std::vector<std::pair<Index, Real>> run_recommend(const RunOptions& options, Index user, Index k,
                                                  bool include_seen, std::vector<std::string>& warnings);

// The same top k from a nearest-neighbour index of the item table (export --format faiss): the model's output
// for the user is the query (a two-tower model trained with sampled_softmax).
std::vector<std::pair<Index, Real>> run_recommend_from_index(const ModelSpec& spec, const RunOptions& options,
                                                             Index user, Index k, bool include_seen,
                                                             const std::string& index_path,
                                                             std::vector<std::string>& warnings);

// Writes freshly initialised (seeded) weights; returns the path.
std::string run_init(const ModelSpec& spec, const RunOptions& options, std::vector<std::string>& warnings);
std::string run_init(const RunOptions& options, std::vector<std::string>& warnings);

// Everything that can be checked without data: arguments, graph, shapes, the compile block, callback
// monitors. Throws ConfigError. Returns the built graph for `summary` (no buffers: a config of 150k layers
// is checked in a fraction of the memory training it takes).
Graph validate_model(ModelSpec spec);

// Loads options.weights_in into a freshly built model, or else initialises it from the config's seed (and
// its init_from files). Adds what the user should hear to `warnings`.
void prepare_weights(Model& model, const RunOptions& options, std::vector<std::string>& warnings);

std::string default_weights_path(const ModelSpec& spec);
// "runs/x/x.weights.json" -> "runs/x/x" (history and effective config are written beside the weights).
std::string weights_stem(const std::string& weights_path);
// The config after --set overrides, as YAML.
std::string effective_config_yaml(const ModelSpec& spec);
// The batch size for evaluate/predict: fit.batch_size.
Index evaluation_batch_size(const ModelSpec& spec);

}  // namespace yamlnet
