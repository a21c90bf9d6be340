#include "interpreter/train/session.hpp"

#include <cmath>

#include "interpreter/data/sources.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/weights.hpp"
#include "interpreter/train/callbacks.hpp"
#include "interpreter/train/ranking.hpp"

namespace yamlnet {

namespace {

std::vector<std::string> spec_warnings(const ModelSpec& spec) {
  std::vector<std::string> out;
  for (const auto& w : spec.warnings) out.push_back(w.format());
  return out;
}

// Loads weights into a freshly built model, or initialises it from the seed.
void prepare_weights(Model& model, const RunOptions& options, std::vector<std::string>& warnings) {
  model.initialize(model.spec().seed);
  for (const auto& entry : model.spec().init_from) {
    std::string text;
    try {
      text = read_file(entry.path);
    } catch (const Error& e) {
      throw WeightsError(entry.loc.str() + ": init_from: " + e.what());
    }
    load_weights_from_text(model, text, entry.path, &entry.layers);
  }
  if (!options.weights_in.empty())
    for (auto& w : load_weights(model, options.weights_in)) warnings.push_back(w);
}

const Dataset& pick_split(const DataSplits& splits, const std::string& split, const std::string& file) {
  const std::optional<Dataset>* chosen = nullptr;
  if (split == "test") chosen = &splits.test;
  if (split == "validation") chosen = &splits.validation;
  if (split == "train") chosen = &splits.train;
  if (!chosen) throw UsageError("--split must be train, validation or test, got '" + split + "'");
  if (!*chosen)
    throw ConfigError(
        {Diagnostic{SourceLoc{file, 0, 0}, "", "", "the data block has no '" + split + "' split"}});
  return **chosen;
}

}  // namespace

namespace {

std::vector<std::string> ranking_names(const ModelSpec& spec) {
  std::vector<std::string> out;
  for (const auto& name : spec.compile.get("metrics").strings) {
    std::string kind;
    int k;
    if (parse_ranking_metric(name, kind, k)) out.push_back(name);
  }
  return out;
}

bool is_implicit_feedback(const ModelSpec& spec) {
  return spec.data.type() == "implicit_feedback";
}

}  // namespace

Model validate_model(const ModelSpec& spec) {
  Model model(spec);
  if (!spec.compile.get("loss").is_none()) {
    Model scratch(spec);  // the trainer adjusts output layers; keep the returned model untouched
    Trainer trainer(scratch, spec.compile, spec.seed);
    const bool validation = spec.data.validation.present || spec.fit.number("validation_split") > 0 ||
                            (is_implicit_feedback(spec) && spec.data.args.boolean("validation"));
    std::vector<std::string> logged = trainer.log_names(validation);
    if (validation && is_implicit_feedback(spec))
      for (const auto& r : ranking_names(spec)) logged.push_back("val_" + r);
    make_callbacks(spec.fit.get("callbacks"), logged, CallbackContext{&scratch, {}, nullptr}, spec.file);
  }
  return model;
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
  YAML::Emitter out;
  out << spec.root;
  return std::string(out.c_str()) + "\n";
}

Index evaluation_batch_size(const ModelSpec& spec) {
  return spec.fit.integer("batch_size");
}

TrainOutcome run_train(const RunOptions& options, TrainingObserver* observer) {
  TrainOutcome outcome;
  const ModelSpec spec = load_model_spec(options.config, options.overrides);
  outcome.warnings = spec_warnings(spec);
  Model model(spec);
  prepare_weights(model, options, outcome.warnings);
  Trainer trainer(model, spec.compile, spec.seed);
  std::optional<ImplicitFeedback> feedback;
  DataSplits splits;
  Dataset epoch_buffer;
  if (is_implicit_feedback(spec)) {
    feedback.emplace(spec, model);
    splits.train = Dataset{};
    if (feedback->validation().groups() > 0) splits.validation = feedback->validation().pairs;
    if (feedback->test().groups() > 0) splits.test = feedback->test().pairs;
  } else {
    splits = load_data(spec, model, trainer.target_widths(), true);
  }
  if (!splits.train)
    throw ConfigError({Diagnostic{spec.data.loc, "", "", "data: no 'train' split to train on"}});

  Dataset train = std::move(*splits.train);
  std::optional<Dataset> validation = std::move(splits.validation);
  const double split = spec.fit.number("validation_split");
  if (!validation && split > 0 && !feedback) {
    // Keras holds out the last fraction of the data, before any shuffling.
    const Index at = static_cast<Index>(std::floor(static_cast<double>(train.size()) * (1.0 - split)));
    validation = train.slice(at, train.size());
    train = train.slice(0, at);
  }

  outcome.weights_path = options.weights_out.empty() ? default_weights_path(spec) : options.weights_out;
  const std::string stem = weights_stem(outcome.weights_path);
  const Value& history_arg = spec.fit.get("history");
  outcome.history_path = history_arg.is_none() ? stem + ".history.csv" : history_arg.s;
  outcome.config_path = stem + ".config.yaml";
  write_file_atomically(outcome.config_path, effective_config_yaml(spec));

  CallbackContext context{&model, [&model](const std::string& path) { save_weights(model, path); }, observer};
  std::vector<std::string> logged = trainer.log_names(validation.has_value());
  const std::vector<std::string> rankings = feedback ? ranking_names(spec) : std::vector<std::string>{};
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
  if (feedback) {
    fit.epoch_data = [&](int epoch) {
      feedback->epoch_dataset(epoch, epoch_buffer);
      return &epoch_buffer;
    };
    if (validation && !rankings.empty())
      fit.extra_validation = [&](Logs& logs) {
        for (const auto& [name, value] :
             ranking_metrics(model, feedback->validation(), rankings, fit.batch_size))
          logs.emplace_back("val_" + name, value);
      };
  }
  std::vector<std::pair<int, Logs>> history_rows;
  fit.on_epoch_end = [&](int epoch, const Logs& logs) {
    history_rows.emplace_back(epoch, logs);
    write_file_atomically(outcome.history_path, history_csv(history_rows));
    bool stop = false;
    for (auto& cb : callbacks) stop = cb->on_epoch_end(epoch, logs) || stop;
    return stop;
  };
  outcome.history = trainer.fit(train, validation ? &*validation : nullptr, fit, observer);
  save_weights(model, outcome.weights_path);
  if (splits.test) {
    outcome.test = trainer.evaluate(*splits.test, fit.batch_size);
    if (feedback)
      for (const auto& entry : ranking_metrics(model, feedback->test(), rankings, fit.batch_size))
        outcome.test.push_back(entry);
  }
  return outcome;
}

Logs run_evaluate(const RunOptions& options, const std::string& split, std::vector<std::string>& warnings) {
  const ModelSpec spec = load_model_spec(options.config, options.overrides);
  warnings = spec_warnings(spec);
  Model model(spec);
  prepare_weights(model, options, warnings);
  Trainer trainer(model, spec.compile, spec.seed);
  const DataSplits splits = load_data(spec, model, trainer.target_widths(), true);
  return trainer.evaluate(pick_split(splits, split, spec.file), evaluation_batch_size(spec));
}

Index run_predict(const RunOptions& options, const std::string& split, const std::string& out_path,
                  std::vector<std::string>& warnings) {
  const ModelSpec spec = load_model_spec(options.config, options.overrides);
  warnings = spec_warnings(spec);
  Model model(spec);
  prepare_weights(model, options, warnings);
  // Targets are not needed to predict; when the split has them they are checked like training data.
  std::vector<Index> target_widths;
  const Value& loss = spec.compile.get("loss");
  for (size_t k = 0; k < model.num_outputs(); ++k) {
    const Index width = model.output_shape(k).back();
    target_widths.push_back(loss.is_none() ? width : Loss::create(loss)->target_width(width));
  }
  const DataSplits splits = load_data(spec, model, target_widths, false);
  const Dataset& data = pick_split(splits, split, spec.file);
  const std::vector<Tensor> outputs = predict_outputs(model, data, evaluation_batch_size(spec));
  const bool npy = out_path.size() >= 4 && out_path.compare(out_path.size() - 4, 4, ".npy") == 0;
  if (npy) {
    if (outputs.size() != 1) throw UsageError("the model has several outputs: write them as .csv");
    write_file_atomically(out_path, npy_bytes(outputs[0]));
  } else {
    std::string text;
    for (size_t k = 0; k < outputs.size(); ++k) {
      const Index w = outputs[k].row_size();
      for (Index c = 0; c < w; ++c) {
        if (!text.empty()) text += ',';
        text += model.output_name(k);
        if (w > 1) text.append(1, '_').append(std::to_string(c));
      }
    }
    text += '\n';
    for (Index r = 0; r < data.size(); ++r) {
      bool first = true;
      for (const auto& out : outputs) {
        const Index w = out.row_size();
        for (Index c = 0; c < w; ++c) {
          if (!first) text += ',';
          first = false;
          text += format_float(static_cast<float>(out.data[r * w + c]));
        }
      }
      text += '\n';
    }
    write_file_atomically(out_path, text);
  }
  return data.size();
}

std::string run_init(const RunOptions& options, std::vector<std::string>& warnings) {
  const ModelSpec spec = load_model_spec(options.config, options.overrides);
  warnings = spec_warnings(spec);
  Model model(spec);
  model.initialize(spec.seed);
  const std::string path = options.weights_out.empty() ? default_weights_path(spec) : options.weights_out;
  save_weights(model, path);
  return path;
}

}  // namespace yamlnet
