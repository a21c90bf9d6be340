#include "interpreter/app/session.hpp"

#include <cmath>

#include "interpreter/core/threads.hpp"
#include "interpreter/data/data_source.hpp"
#include "interpreter/data/sources.hpp"
#include "interpreter/graph/mask_flow.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/item_index.hpp"
#include "interpreter/io/keras_formats.hpp"
#include "interpreter/io/onnx/onnx_export.hpp"
#include "interpreter/io/run_outputs.hpp"
#include "interpreter/io/table_writer.hpp"
#include "interpreter/io/weights.hpp"
#include "interpreter/train/callbacks.hpp"
#include "interpreter/train/checkpoint.hpp"
#include "interpreter/train/fit_spec.hpp"
#include "interpreter/train/ranking.hpp"
#include "interpreter/train/run_data.hpp"
#include "layers/embedding/embedding.hpp"

namespace yamlnet {

namespace {

std::vector<std::string> spec_warnings(const ModelSpec& spec) {
  std::vector<std::string> out;
  for (const auto& w : spec.warnings) out.push_back(w.format());
  return out;
}

}  // namespace

void prepare_weights(Model& model, const RunOptions& options, std::vector<std::string>& warnings) {
  model.initialize(model.spec().seed);
  // A weights file sets every parameter, so the files init_from names (needed only to start a training)
  // are not read: a trained model exports and predicts without them.
  if (!options.weights_in.empty()) {
    for (auto& w : load_weights(model, options.weights_in)) warnings.push_back(w);
  } else {
    for (const auto& entry : model.spec().init_from) {
      std::string text;
      try {
        text = read_file(entry.path);
      } catch (const Error& e) {
        throw WeightsError(entry.loc.str() + ": init_from: " + e.what());
      }
      load_weights_from_text(model, text, entry.path, &entry.layers);
    }
  }
  // Finding the masks a layer drops runs a forward pass, which a table split by rows makes with the other
  // processes: they join here first (every process prepares its weights at the same point).
  if (options.processes) model.set_processes(*options.processes);
  for (auto& w : dropped_mask_warnings(model)) warnings.push_back(w);
}

namespace {

const Dataset& pick_split(const DataSplits& splits, const std::string& split, const std::string& file) {
  const std::optional<Dataset>* chosen = nullptr;
  if (split == "test") chosen = &splits.test;
  if (split == "validation") chosen = &splits.validation;
  if (split == "train") chosen = &splits.train;
  if (!chosen) throw UsageError("--split must be train, validation or test, got '" + split + "'");
  if (!*chosen)
    throw ConfigError(
        {Diagnostic{SourceLoc{file, 0, 0}, "", "", "the data block has no '" + split + "' split"}});
  if ((*chosen)->size() == 0)
    // An interaction log's training examples are made batch by batch as it trains (DataSource::fill_rows).
    throw ConfigError({Diagnostic{SourceLoc{file, 0, 0}, "", "",
                                  "the data block's '" + split +
                                      "' split is made batch by batch while training, so there are no rows "
                                      "to read here: use --split validation or test"}});
  return **chosen;
}

}  // namespace

namespace {

// Tables with shard: rows are split across the processes of the launch when the model is built.
ShardScope shard_scope(const RunOptions& options) {
  return options.processes ? ShardScope(options.processes->rank(), options.processes->size())
                           : ShardScope(0, 1);
}

bool is_interaction_log(const ModelSpec& spec) {
  return data_source_entry(spec).ranks_held_out_items;
}

// A model ready for evaluate / predict / export / recommend: built, weights loaded, its data read.
struct LoadedRun {
  const ModelSpec& spec;
  std::unique_ptr<Model> model;
  std::unique_ptr<RunData> data;
};

LoadedRun load_run(const ModelSpec& spec, const RunOptions& options, std::vector<std::string>& warnings,
                   bool need_targets) {
  LoadedRun run{spec, nullptr, nullptr};
  use_threads(run.spec.threads);
  warnings = spec_warnings(run.spec);
  const ShardScope shards = shard_scope(options);
  run.model = std::make_unique<Model>(run.spec);
  prepare_weights(*run.model, options, warnings);
  // Targets are not needed to predict; when the split has them they are checked like training data.
  std::vector<Index> target_widths;
  const Value& loss = run.spec.compile.get("loss");
  for (size_t k = 0; k < run.model->num_outputs(); ++k) {
    const Index width = run.model->output_shape(k).back();
    const Value& output_loss = loss.for_output(k, run.model->output_name(k));
    target_widths.push_back(output_loss.is_none() ? width : Loss::create(output_loss)->target_width(width));
  }
  run.data = load_run_data(run.spec, *run.model, target_widths, need_targets);
  return run;
}

}  // namespace

Graph validate_model(ModelSpec parsed) {
  Graph graph(std::move(parsed));
  const ModelSpec& spec = graph.spec();
  if (!spec.compile.get("loss").is_none()) {
    // Binding the losses checks them against the graph (widths, sampled softmax's table). It also sets the
    // outputs up for training (gradients at the logits), which nothing that validates reads.
    const Compiled compiled(graph, spec.compile);
    const bool validation = spec.data.validation.present || spec.fit.number("validation_split") > 0 ||
                            (is_interaction_log(spec) && spec.data.args.boolean("validation"));
    std::vector<std::string> logged = compiled.log_names(graph, validation);
    if (validation && is_interaction_log(spec))
      for (const auto& r : ranking_names(spec)) logged.push_back("val_" + r);
    make_callbacks(spec.fit.get("callbacks"), logged, CallbackContext{&graph, {}, nullptr}, spec.file);
    class_weight_table(spec.fit.get("class_weight"), graph);
  }
  return graph;
}

std::string default_weights_path(const ModelSpec& spec) {
  return "runs/" + spec.name + "/" + spec.name + ".weights.json";
}

std::string weights_stem(const std::string& path) {
  for (const char* suffix : {".weights.json", ".json"}) {
    const std::string s(suffix);
    if (path.size() > s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0)
      return path.substr(0, path.size() - s.size());
  }
  return path;
}

std::string effective_config_yaml(const ModelSpec& spec) {
  return spec.effective_config;
}

Index evaluation_batch_size(const ModelSpec& spec) {
  return spec.fit.integer("batch_size");
}

TrainOutcome run_train(const RunOptions& options, TrainingObserver* observer) {
  return run_train(load_model_spec(options.config, options.overrides), options, observer);
}

TrainOutcome run_train(const ModelSpec& spec, const RunOptions& options, TrainingObserver* observer) {
  TrainOutcome outcome;
  use_threads(spec.threads);
  outcome.warnings = spec_warnings(spec);
  const ShardScope shards = shard_scope(options);
  Model model(spec);
  prepare_weights(model, options, outcome.warnings);
  Trainer trainer(model, spec.compile, spec.seed);
  if (options.processes) trainer.set_processes(*options.processes);
  // In a data-parallel launch every process trains; the first alone writes files.
  const bool writes = trainer.processes().leader();
  std::unique_ptr<RunData> data = load_run_data(spec, model, trainer.target_widths(), true, true);
  DataSplits& splits = data->splits();
  if (!splits.train)
    throw ConfigError({Diagnostic{spec.data.loc, "", "", "data: no 'train' split to train on"}});

  Dataset train = std::move(*splits.train);
  // The source's validation split where it has one (an interaction log's ranking sets are that split
  // itself, so it stays where it is), else validation_split's rows.
  const Dataset* validation = splits.validation ? &*splits.validation : nullptr;
  std::optional<Dataset> split_off;
  const double split = spec.fit.number("validation_split");
  if (!validation && split > 0 && !data->is_interaction_log()) {
    // Keras holds out the last fraction of the data, before any shuffling.
    const Index at = static_cast<Index>(std::floor(static_cast<double>(train.size()) * (1.0 - split)));
    validation = &split_off.emplace(train.slice(at, train.size()));
    train = train.slice(0, at);
  }

  outcome.weights_path = options.weights_out.empty() ? default_weights_path(spec) : options.weights_out;
  const std::string stem = weights_stem(outcome.weights_path);
  const Value& history_arg = spec.fit.get("history");
  outcome.history_path = history_arg.is_none() ? stem + ".history.csv" : history_arg.s;
  outcome.config_path = stem + ".config.yaml";
  // Written into a staging folder and moved into place together at the end (io/run_outputs.hpp).
  std::optional<RunOutputs> outputs;
  if (writes) {
    outputs.emplace(outcome.weights_path, outcome.history_path, outcome.config_path);
    write_file_atomically(outputs->staged_config(), effective_config_yaml(spec));
  }

  CallbackContext context{&model,
                          [&model, writes](const std::string& path) {
                            const WholeTables whole(model);  // every process helps gather split tables
                            if (writes) save_weights(model, path);
                          },
                          observer, &trainer.optimizer(), writes};
  std::vector<std::string> logged = trainer.log_names(validation != nullptr);
  const std::vector<std::string> rankings =
      data->is_interaction_log() ? ranking_names(spec) : std::vector<std::string>{};
  if (validation)
    for (const auto& r : rankings) logged.push_back("val_" + r);
  auto callbacks = make_callbacks(spec.fit.get("callbacks"), logged, context, spec.file);

  FitOptions fit;
  fit.epochs = static_cast<int>(spec.fit.integer("epochs"));
  fit.initial_epoch = static_cast<int>(spec.fit.integer("initial_epoch"));
  fit.batch_size = spec.fit.integer("batch_size");
  fit.shuffle = spec.fit.boolean("shuffle");
  if (!spec.fit.get("steps_per_epoch").is_none()) fit.steps_per_epoch = spec.fit.integer("steps_per_epoch");
  fit.reset_states_each_epoch = spec.fit.string("reset_states") == "epoch";
  fit.epoch_source = data->source.get();
  fit.class_weights = class_weight_table(spec.fit.get("class_weight"), model);
  trainer.observe_training_targets(train, data->source.get());
  std::vector<std::pair<int, Logs>> history_rows;
  const TrainingState state{&model, &trainer.optimizer(), &callbacks, &history_rows};
  std::optional<Checkpointer> checkpointer;
  const Value& checkpoint = spec.fit.get("checkpoint");
  if (!checkpoint.is_none())
    checkpointer.emplace(checkpoint.arg("dir")->s, static_cast<int>(checkpoint.arg("every_epochs")->i),
                         static_cast<int>(checkpoint.arg("keep")->i));
  else if (!options.resume.empty())
    checkpointer.emplace(options.resume, 1, 3);  // a resumed run keeps checkpointing where it came from
  if (!options.resume.empty()) {
    const ResumePoint point = resume_from(options.resume, state);
    for (const auto& w : point.warnings) outcome.warnings.push_back(w);
    checkpointer->set_last_written(point.folder);
    if (observer)
      observer->on_message("Resuming from " + point.folder + " after epoch " +
                           std::to_string(point.epochs_done));
    fit.initial_epoch = point.finished ? fit.epochs : std::min(point.epochs_done, fit.epochs);
    if (writes) write_file_atomically(outputs->staged_history(), history_csv(history_rows));
  }

  // In this order: the ranking figures join the epoch's logs before anything reads them; the progress bar
  // prints the epoch; the history file has every epoch before fit.callbacks may stop; a checkpoint sees the
  // stop, so the last epoch's is written.
  std::optional<RankingValidation> ranking;
  if (validation && !rankings.empty())
    fit.callbacks.push_back(&ranking.emplace(model, *data, rankings, fit.batch_size, &trainer.processes()));
  if (observer) fit.callbacks.push_back(observer);
  std::optional<HistoryWriter> history;
  if (writes) fit.callbacks.push_back(&history.emplace(outputs->staged_history(), history_rows));
  for (auto& c : callbacks) fit.callbacks.push_back(c.get());
  std::optional<CheckpointWriter> checkpoints;
  // The other processes of a run with split tables take part in gathering them.
  if (checkpointer && (writes || model.has_split_tables()))
    fit.callbacks.push_back(&checkpoints.emplace(*checkpointer, state, effective_config_yaml(spec), writes));
  try {
    outcome.history = trainer.fit(train, validation, fit);
  } catch (const NonFiniteLoss& e) {
    const std::string last = checkpointer ? checkpointer->last_written() : std::string();
    throw TrainingError(std::string(e.what()) + " " +
                        (last.empty() ? "No checkpoint was written yet (fit.checkpoint)."
                                      : "The last good checkpoint is " + last + " (train --resume)."));
  }
  {
    const WholeTables whole(model);
    if (writes) {
      save_weights(model, outputs->staged_weights());
      outputs->commit();
    }
  }
  data->source->release_validation_split();
  data->source->make_test_split();
  if (splits.test) {
    outcome.test = trainer.evaluate(*splits.test, fit.batch_size);
    for (const auto& entry :
         ranking_logs(model, *data, "test", rankings, fit.batch_size, &trainer.processes()))
      outcome.test.push_back(entry);
  }
  return outcome;
}

Logs run_evaluate(const RunOptions& options, const std::string& split, std::vector<std::string>& warnings) {
  return run_evaluate(load_model_spec(options.config, options.overrides), options, split, warnings);
}

Logs run_evaluate(const ModelSpec& spec, const RunOptions& options, const std::string& split,
                  std::vector<std::string>& warnings) {
  LoadedRun run = load_run(spec, options, warnings, true);
  Trainer trainer(*run.model, run.spec.compile, run.spec.seed);
  if (options.processes) trainer.set_processes(*options.processes);  // each evaluates its block of rows
  const Index batch = evaluation_batch_size(run.spec);
  Logs logs = trainer.evaluate(pick_split(run.data->splits(), split, run.spec.file), batch);
  if (split != "train")
    for (const auto& entry :
         ranking_logs(*run.model, *run.data, split, ranking_names(run.spec), batch, options.processes))
      logs.push_back(entry);
  return logs;
}

Logs run_baseline(const RunOptions& options, const std::string& baseline, const std::string& split,
                  std::vector<std::string>& warnings) {
  return run_baseline(load_model_spec(options.config, options.overrides), options, baseline, split, warnings);
}

Logs run_baseline(const ModelSpec& spec, const RunOptions& options, const std::string& baseline,
                  const std::string& split, std::vector<std::string>& warnings) {
  if (baseline != "most_popular") throw UsageError("--baseline: the one baseline is most_popular");
  if (split == "train") throw UsageError("--baseline ranks held-out items: --split validation or test");
  LoadedRun run = load_run(spec, options, warnings, true);
  pick_split(run.data->splits(), split, run.spec.file);  // a clear error when the data holds no such split
  std::vector<std::string> names = ranking_names(run.spec);
  if (names.empty())
    throw UsageError(
        "compile.metrics names no ranking metric (hr@K, ndcg@K, recall@K, mrr@K, map@K, precision@K)");
  return most_popular_logs(*run.data, split, names);
}

namespace {

// Id columns for exported rows: the user of each held-out row (next-item data), else the model's scalar
// integer inputs (user and item ids), else the row number.
std::vector<IdColumn> row_ids(const LoadedRun& run, const Dataset& data, const std::string& split) {
  if (run.data->next_items && split != "train") {
    const auto& set =
        split == "validation" ? run.data->next_items->validation() : run.data->next_items->test();
    return {IdColumn{"user", set.users}};
  }
  std::vector<IdColumn> out;
  for (size_t i = 0; i < data.inputs.size(); ++i) {
    const Tensor& v = data.inputs[i].values;
    if (v.row_size() != 1 || run.model->input_id_limit(i) == std::nullopt) continue;
    IdColumn column{data.inputs[i].name, {}};
    for (Real x : v.data) column.values.push_back(static_cast<Index>(x));
    out.push_back(std::move(column));
  }
  if (out.empty()) {
    IdColumn column{"row", {}};
    for (Index r = 0; r < data.size(); ++r) column.values.push_back(r);
    out.push_back(std::move(column));
  }
  return out;
}

}  // namespace

Index run_predict(const RunOptions& options, const PredictRequest& request,
                  std::vector<std::string>& warnings) {
  return run_predict(load_model_spec(options.config, options.overrides), options, request, warnings);
}

namespace {

// The requested outputs (the model's own when `names` is empty) for every row of `data`, with their masks
// as `<name>_mask` blocks when `masks` is set.
std::vector<std::string> write_outputs(const LoadedRun& run, const Dataset& data, const std::string& split,
                                       const std::vector<std::string>& names, bool masks,
                                       const std::string& verb, const std::string& path,
                                       std::vector<std::string>& warnings) {
  std::vector<OutputRef> refs;
  std::vector<std::string> labels;
  for (const auto& name : names) {
    refs.push_back(find_layer_output(*run.model, name, verb + " --outputs"));
    labels.push_back(name);
  }
  if (names.empty())
    for (size_t k = 0; k < run.model->num_outputs(); ++k) {
      refs.push_back(run.model->output_ref(k));
      labels.push_back(run.model->output_name(k));
    }
  std::vector<Tensor> mask_values;
  const std::vector<Tensor> values =
      predict_layers(*run.model, data, refs, evaluation_batch_size(run.spec), masks ? &mask_values : nullptr);
  std::vector<ValueBlock> blocks;
  for (size_t k = 0; k < values.size(); ++k) blocks.push_back(ValueBlock{labels[k], &values[k]});
  if (masks) {
    std::vector<std::string> without;
    for (size_t k = 0; k < values.size(); ++k)
      if (mask_values[k].empty())
        without.push_back(labels[k]);
      else
        blocks.push_back(ValueBlock{labels[k] + "_mask", &mask_values[k]});
    if (!without.empty())
      warnings.push_back(verb + " --masks: no mask reaches " + join_names(without) +
                         " (only layers after mask_zero or Masking carry one)");
  }
  return write_rows(path, row_ids(run, data, split), blocks);
}

}  // namespace

Index run_predict(const ModelSpec& spec, const RunOptions& options, const PredictRequest& request,
                  std::vector<std::string>& warnings) {
  check_rows_file_type(request.path, "predict -o");
  LoadedRun run = load_run(spec, options, warnings, false);
  const Dataset& data = pick_split(run.data->splits(), request.split, run.spec.file);
  write_outputs(run, data, request.split, request.outputs, request.masks, "predict", request.path, warnings);
  return data.size();
}

std::vector<std::string> run_export(const RunOptions& options, const ExportRequest& request,
                                    std::vector<std::string>& warnings) {
  return run_export(load_model_spec(options.config, options.overrides), options, request, warnings);
}

namespace {

// The model with its weights loaded, and the Embedding `name` in it (UsageError for anything else).
const Layer& embedding_named(const Model& model, const std::string& name, const std::string& verb) {
  const Node* node = model.find(name);
  if (!node) throw UsageError(verb + " --layer: no layer named '" + name + "'");
  if (node->layer->type() != "Embedding")
    throw UsageError(verb + " --layer: '" + name + "' is a " + node->layer->type() + ", not an Embedding");
  return *node->layer;
}

std::string export_item_index(const ModelSpec& spec, const RunOptions& options, const ExportRequest& request,
                              std::vector<std::string>& warnings) {
  if (request.table.empty() || !request.layer_outputs.empty())
    throw UsageError(
        "export --format faiss: give --layer EMBEDDING (the item table to index), not --outputs");
  warnings = spec_warnings(spec);
  Model model(spec);
  prepare_weights(model, options, warnings);
  const auto& table = dynamic_cast<const Embedding&>(embedding_named(model, request.table, "export"));
  // Id 0 of a mask_zero table is padding, never an item.
  write_item_index(table.params()[0].value, table.mask_zero() ? 0 : -1,
                   request.index.empty() ? "flat" : request.index, request.path);
  return request.path;
}

}  // namespace

std::vector<std::string> run_export(const ModelSpec& spec, const RunOptions& options,
                                    const ExportRequest& request, std::vector<std::string>& warnings) {
  if (request.format == "faiss") return {export_item_index(spec, options, request, warnings)};
  if (!request.format.empty() && request.format != "csv" && request.format != "npy")
    throw UsageError("export --format must be csv, npy or faiss, not '" + request.format + "'");
  if (!request.index.empty()) throw UsageError("export --index: only with --format faiss");
  check_rows_file_type(request.path, "export -o");
  if (request.layer_outputs.empty() == request.table.empty())
    throw UsageError(
        "export: give --outputs LAYER (its output for every row) or --layer EMBEDDING (its table)");
  if (!request.table.empty()) {
    warnings = spec_warnings(spec);
    Model model(spec);
    prepare_weights(model, options, warnings);
    const Tensor& table = embedding_named(model, request.table, "export").params()[0].value;
    IdColumn ids{"id", {}};
    for (Index r = 0; r < table.batch(); ++r) ids.values.push_back(r);
    return write_rows(request.path, {ids}, {ValueBlock{request.table, &table}});
  }
  LoadedRun run = load_run(spec, options, warnings, false);
  const Dataset& data = pick_split(run.data->splits(), request.split, run.spec.file);
  return write_outputs(run, data, request.split, request.layer_outputs, request.masks, "export", request.path,
                       warnings);
}

std::vector<std::string> run_export_keras(const ModelSpec& spec, const RunOptions& options,
                                          const std::string& format, const std::string& dir,
                                          std::vector<std::string>& warnings) {
  const KerasFormat& chosen = choose_keras_format(format, dir);
  warnings = spec_warnings(spec);
  Model model(spec);
  prepare_weights(model, options, warnings);
  return chosen.write(model, dir);
}

std::string run_export_onnx(const ModelSpec& spec, const RunOptions& options,
                            const std::vector<std::string>& outputs, const std::string& path,
                            std::vector<std::string>& warnings) {
  warnings = spec_warnings(spec);
  Model model(spec);
  prepare_weights(model, options, warnings);
  write_onnx(model, outputs, path);
  return path;
}

std::vector<std::pair<Index, Real>> run_recommend(const RunOptions& options, Index user, Index k,
                                                  bool include_seen, std::vector<std::string>& warnings) {
  return run_recommend(load_model_spec(options.config, options.overrides), options, user, k, include_seen,
                       warnings);
}

std::vector<std::pair<Index, Real>> run_recommend(const ModelSpec& spec, const RunOptions& options,
                                                  Index user, Index k, bool include_seen,
                                                  std::vector<std::string>& warnings) {
  if (k < 1) throw UsageError("recommend: -k must be at least 1");
  LoadedRun run = load_run(spec, options, warnings, false);
  return recommend(*run.model, *run.data, user, k, include_seen, evaluation_batch_size(run.spec));
}

std::vector<std::pair<Index, Real>> run_recommend_from_index(const ModelSpec& spec, const RunOptions& options,
                                                             Index user, Index k, bool include_seen,
                                                             const std::string& index_path,
                                                             std::vector<std::string>& warnings) {
  if (k < 1) throw UsageError("recommend: -k must be at least 1");
  const ItemIndex index(index_path);
  LoadedRun run = load_run(spec, options, warnings, false);
  return recommend_from_index(*run.model, *run.data, index, index_path, user, k, include_seen,
                              evaluation_batch_size(run.spec));
}

std::string run_init(const RunOptions& options, std::vector<std::string>& warnings) {
  return run_init(load_model_spec(options.config, options.overrides), options, warnings);
}

std::string run_init(const ModelSpec& spec, const RunOptions& options, std::vector<std::string>& warnings) {
  warnings = spec_warnings(spec);
  Model model(spec);
  model.initialize(spec.seed);
  const std::string path = options.weights_out.empty() ? default_weights_path(spec) : options.weights_out;
  save_weights(model, path);
  return path;
}

}  // namespace yamlnet
