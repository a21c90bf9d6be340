#include "interpreter/train/callbacks.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "interpreter/io/atomic_file.hpp"
#include "interpreter/spec/kind_registry.hpp"

namespace yamlnet {

bool higher_is_better(const std::string& monitor, const std::string& mode) {
  if (mode == "max") return true;
  if (mode == "min") return false;
  // Keras: accuracies (and fmeasure) are maximised; so are ranking metrics (hr@K, ndcg@K), auc, precision
  // and recall (Keras 3 reads their direction off the metric).
  for (const char* up : {"acc", "@", "auc", "precision", "recall"})
    if (monitor.find(up) != std::string::npos) return true;
  return monitor.rfind("fmeasure", 0) == 0;
}

namespace {

std::string format_number(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

class EarlyStopping : public Callback {
 public:
  EarlyStopping(const Value& spec, const CallbackContext& context)
      : context_(context),
        monitor_(spec.arg("monitor")->s),
        higher_(higher_is_better(monitor_, spec.arg("mode")->s)),
        min_delta_(std::abs(spec.number_arg("min_delta"))),
        patience_(spec.arg("patience")->i),
        restore_(spec.arg("restore_best_weights")->b) {
    const Value* baseline = spec.arg("baseline");
    if (baseline && !baseline->is_none()) baseline_ = baseline->as_double();
    best_ = higher_ ? -INFINITY : INFINITY;
  }

  void on_epoch_end(EpochEnd& end) override {
    const int epoch = end.epoch;
    const auto current = find_log(end.logs, monitor_);
    if (!current) return;
    ++wait_;
    if (improves(*current, best_)) {
      best_ = *current;
      best_epoch_ = epoch;
      if (restore_) snapshot();
      // Keras restarts the count only when the value also beats the baseline.
      if (!baseline_ || improves(*current, *baseline_)) {
        wait_ = 0;
        return;
      }
    }
    if (wait_ >= patience_ && epoch > 0) {
      if (context_.observer)
        context_.observer->on_message("Epoch " + std::to_string(epoch + 1) + ": early stopping (" + monitor_ +
                                      " did not improve for " + std::to_string(wait_) + " epochs)");
      if (restore_ && !best_weights_.empty()) {
        restore();
        if (context_.observer)
          context_.observer->on_message("Restoring the weights of the best epoch: " +
                                        std::to_string(best_epoch_ + 1));
      }
      end.stop = true;
    }
  }

  nlohmann::ordered_json state() const override {
    nlohmann::ordered_json j{{"best", best_}, {"best_epoch", best_epoch_}, {"wait", wait_}};
    j["best_weights"] = nlohmann::ordered_json::array();
    for (const auto& w : best_weights_) j["best_weights"].push_back(to_vector(w));
    return j;
  }
  void restore_state(const nlohmann::ordered_json& j) override {
    best_ = j.at("best").is_null() ? (higher_ ? -INFINITY : INFINITY) : j.at("best").get<double>();
    best_epoch_ = j.at("best_epoch").get<int>();
    wait_ = j.at("wait").get<int64_t>();
    best_weights_.clear();
    for (const auto& w : j.at("best_weights")) {
      const auto values = w.get<std::vector<Real>>();
      best_weights_.emplace_back(values.begin(), values.end());
    }
  }

 private:
  bool improves(double value, double reference) const {
    return higher_ ? value - min_delta_ > reference : value + min_delta_ < reference;
  }
  void snapshot() {
    best_weights_.clear();
    for (const auto& slot : context_.model->parameters()) best_weights_.push_back(slot.param->value.data);
  }
  void restore() {
    auto slots = context_.model->parameters();
    for (size_t i = 0; i < slots.size(); ++i) slots[i].param->value.data = best_weights_[i];
  }

  CallbackContext context_;
  std::string monitor_;
  bool higher_;
  double min_delta_;
  int64_t patience_;
  bool restore_;
  std::optional<double> baseline_;
  double best_;
  int best_epoch_ = 0;
  int64_t wait_ = 0;
  std::vector<RealBuffer> best_weights_;
};

class ModelCheckpoint : public Callback {
 public:
  ModelCheckpoint(const Value& spec, const CallbackContext& context)
      : context_(context),
        path_(spec.arg("path")->s),
        monitor_(spec.arg("monitor")->s),
        higher_(higher_is_better(monitor_, spec.arg("mode")->s)),
        best_only_(spec.arg("save_best_only")->b),
        best_(higher_ ? -INFINITY : INFINITY) {}

  void on_epoch_end(EpochEnd& end) override {
    const int epoch = end.epoch;
    const Logs& logs = end.logs;
    if (best_only_) {
      const auto current = find_log(logs, monitor_);
      if (!current || !(higher_ ? *current > best_ : *current < best_)) return;
      if (context_.observer)
        context_.observer->on_message("Epoch " + std::to_string(epoch + 1) + ": " + monitor_ +
                                      " improved to " + format_number(*current) + ", saving the weights to " +
                                      expand(epoch, logs));
      best_ = *current;
    }
    context_.save_weights(expand(epoch, logs));
  }
  nlohmann::ordered_json state() const override { return {{"best", best_}}; }
  void restore_state(const nlohmann::ordered_json& j) override {
    best_ = j.at("best").is_null() ? (higher_ ? -INFINITY : INFINITY) : j.at("best").get<double>();
  }

 private:
  // Keras's `{epoch:02d}` style placeholders (epoch counted from 1); other names are logged values.
  std::string expand(int epoch, const Logs& logs) const {
    std::string out;
    for (size_t i = 0; i < path_.size(); ++i) {
      if (path_[i] != '{') {
        out += path_[i];
        continue;
      }
      const size_t close = path_.find('}', i);
      if (close == std::string::npos) {
        out += path_.substr(i);
        break;
      }
      const std::string field = path_.substr(i + 1, close - i - 1);
      const std::string name = field.substr(0, field.find(':'));
      const std::string format =
          field.find(':') == std::string::npos ? "" : field.substr(field.find(':') + 1);
      if (name == "epoch") {
        std::string digits = std::to_string(epoch + 1);
        if (format.size() >= 2 && format[0] == '0') {
          const size_t width = static_cast<size_t>(std::atoi(format.c_str() + 1));
          if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
        }
        out += digits;
      } else if (auto v = find_log(logs, name)) {
        out += format_number(*v);
      } else {
        out += path_.substr(i, close - i + 1);
      }
      i = close;
    }
    return out;
  }

  CallbackContext context_;
  std::string path_, monitor_;
  bool higher_, best_only_;
  double best_;
};

class CsvLogger : public Callback {
 public:
  CsvLogger(const Value& spec, bool writes)
      : path_(spec.arg("filename")->s), separator_(spec.arg("separator")->s), writes_(writes) {
    if (spec.arg("append")->b) {
      try {
        existing_ = read_file(path_);
      } catch (const Error&) {
      }
    }
  }
  void on_epoch_end(EpochEnd& end) override {
    epochs_.emplace_back(end.epoch, end.logs);
    std::string text = history_csv(epochs_, separator_.empty() ? ',' : separator_[0]);
    if (!existing_.empty()) text = existing_ + text.substr(text.find('\n') + 1);
    if (writes_) write_file_atomically(path_, text);
  }
  nlohmann::ordered_json state() const override { return logs_to_json(epochs_); }
  void restore_state(const nlohmann::ordered_json& j) override { epochs_ = logs_from_json(j); }

 private:
  std::string path_, separator_, existing_;
  bool writes_;
  std::vector<std::pair<int, Logs>> epochs_;
};

}  // namespace

void HistoryWriter::on_epoch_end(EpochEnd& end) {
  rows_.emplace_back(end.epoch, end.logs);
  write_file_atomically(path_, history_csv(rows_));
}

const KindRegistry<Callback, const CallbackContext&>& callback_registry() {
  static const std::vector<std::string> modes{"auto", "min", "max"};
  using Entry = CallbackEntry;
  static const KindRegistry<Callback, const CallbackContext&> registry{
      "callback", [] {
        std::vector<Entry> entries{
            Entry{
                {"early_stopping",
                 "stop when the monitored value stops improving",
                 {string_arg("monitor", "val_loss", "the logged value to watch"),
                  float_arg("min_delta", 0.0, "smallest change that counts as an improvement", 0.0),
                  int_arg("patience", 0, "epochs without improvement before stopping", 0),
                  enum_arg("mode", "auto", modes, "whether lower (min) or higher (max) is better"),
                  float_arg("baseline", std::nullopt, "value the monitor must beat"),
                  bool_arg("restore_best_weights", false, "restore the best epoch's weights when stopping")},
                 {"EarlyStopping"}},
                [](const Value& spec, const CallbackContext& context) {
                  return std::make_unique<EarlyStopping>(spec, context);
                }},
            Entry{{"model_checkpoint",
                   "save the weights after each epoch, or only when the monitor improves",
                   {required(string_arg("path", std::nullopt, "weights file to write")),
                    string_arg("monitor", "val_loss", "the logged value to watch"),
                    enum_arg("mode", "auto", modes, "whether lower (min) or higher (max) is better"),
                    bool_arg("save_best_only", false, "write only when the monitor improves"),
                    bool_arg("save_weights_only", true,
                             "accepted for Keras compatibility (weights are always what is saved)")},
                   {"ModelCheckpoint"},
                   {{"filepath", "path", ""}}},
                  [](const Value& spec, const CallbackContext& context) {
                    return std::make_unique<ModelCheckpoint>(spec, context);
                  }},
            Entry{{"csv_logger",
                   "write the per-epoch history to a CSV file",
                   {required(string_arg("filename", std::nullopt, "CSV file to write")),
                    string_arg("separator", ",", "field separator"),
                    bool_arg("append", false, "append to an existing file")},
                   {"CSVLogger"}},
                  [](const Value& spec, const CallbackContext& context) {
                    return std::make_unique<CsvLogger>(spec, context.writes_files);
                  }},
        };
        for (Entry& e : learning_rate_callback_entries()) entries.push_back(std::move(e));
        return entries;
      }()};
  return registry;
}

const FunctionFamily& callback_family() {
  return callback_registry().family();
}

nlohmann::ordered_json logs_to_json(const std::vector<std::pair<int, Logs>>& epochs) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const auto& [epoch, logs] : epochs) {
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    for (const auto& [name, value] : logs) values.push_back({name, value});
    j.push_back({epoch, values});
  }
  return j;
}

std::vector<std::pair<int, Logs>> logs_from_json(const nlohmann::ordered_json& j) {
  std::vector<std::pair<int, Logs>> out;
  for (const auto& row : j) {
    Logs logs;
    for (const auto& entry : row.at(1))
      logs.emplace_back(entry.at(0).get<std::string>(),
                        entry.at(1).is_null() ? NAN : entry.at(1).get<double>());
    out.emplace_back(row.at(0).get<int>(), std::move(logs));
  }
  return out;
}

std::string history_csv(const std::vector<std::pair<int, Logs>>& epochs, char separator) {
  std::vector<std::string> keys;
  if (!epochs.empty())
    for (const auto& [name, value] : epochs.front().second) keys.push_back(name);
  std::sort(keys.begin(), keys.end());
  std::string out = "epoch";
  for (const auto& k : keys) out += separator + k;
  out += '\n';
  for (const auto& [epoch, logs] : epochs) {
    out += std::to_string(epoch);
    for (const auto& k : keys) {
      const auto v = find_log(logs, k);
      out += separator + (v ? format_number(*v) : std::string());
    }
    out += '\n';
  }
  return out;
}

std::vector<std::unique_ptr<Callback>> make_callbacks(const Value& list,
                                                      const std::vector<std::string>& log_names,
                                                      const CallbackContext& context,
                                                      const std::string& file) {
  std::vector<std::unique_ptr<Callback>> out;
  std::vector<Diagnostic> problems;
  for (const Value& spec : list.items()) {
    if (const Value* monitor = spec.arg("monitor")) {
      if (std::find(log_names.begin(), log_names.end(), monitor->s) == log_names.end()) {
        std::string known;
        for (const auto& n : log_names) known += (known.empty() ? "" : ", ") + n;
        SourceLoc loc = monitor->loc.line > 0 ? monitor->loc : spec.loc;
        if (loc.file.empty()) loc.file = file;
        problems.push_back(Diagnostic{loc, "", "",
                                      "fit.callbacks: " + spec.s + " monitors '" + monitor->s +
                                          "', which this run does not log (it logs: " + known + ")"});
        continue;
      }
    }
    out.push_back(callback_registry().create(spec, context));
  }
  if (!problems.empty()) throw ConfigError(problems);
  return out;
}

}  // namespace yamlnet
