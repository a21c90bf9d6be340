#pragma once
// Keras's EarlyStopping, ModelCheckpoint and CSVLogger (fit.callbacks), driven by the per-epoch logs.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "interpreter/graph/graph.hpp"
#include "interpreter/train/callback.hpp"
#include "interpreter/train/logs.hpp"

namespace yamlnet {

class Optimizer;

struct CallbackContext {
  Graph* model = nullptr;
  std::function<void(const std::string& path)> save_weights;
  TrainingObserver* observer = nullptr;
  Optimizer* optimizer = nullptr;  // none when a config is only validated
  // False on every process of a data-parallel launch but the first: callbacks decide as everywhere, but do
  // not write files.
  bool writes_files = true;
};

template <class Product, class... Context>
class KindRegistry;
template <class Product, class... Context>
struct KindEntry;

using CallbackEntry = KindEntry<Callback, const CallbackContext&>;
// Every callback fit.callbacks accepts: its name, arguments and factory in one entry.
const KindRegistry<Callback, const CallbackContext&>& callback_registry();
const FunctionFamily& callback_family();

// Builds the callbacks of fit.callbacks. `log_names` are the values each epoch will log; a monitor that is
// not among them is a ConfigError at the callback's line (Keras only warns and then silently does nothing).
std::vector<std::unique_ptr<Callback>> make_callbacks(const Value& list,
                                                      const std::vector<std::string>& log_names,
                                                      const CallbackContext& context,
                                                      const std::string& file);

// ReduceLROnPlateau and LearningRateScheduler (learning_rate_callbacks.cpp).
std::vector<CallbackEntry> learning_rate_callback_entries();

// Keras's `auto` mode: higher is better for accuracies, lower for everything else.
bool higher_is_better(const std::string& monitor, const std::string& mode);

// Per-epoch logs as JSON and back (checkpoints keep the history).
nlohmann::ordered_json logs_to_json(const std::vector<std::pair<int, Logs>>& epochs);
std::vector<std::pair<int, Logs>> logs_from_json(const nlohmann::ordered_json& j);

// The run's history file (runs/NAME/NAME.history.csv): every epoch's logs, rewritten after each epoch. The
// rows are the run's (checkpoints keep them, a resumed run starts from them).
class HistoryWriter : public Callback {
 public:
  HistoryWriter(std::string path, std::vector<std::pair<int, Logs>>& rows)
      : path_(std::move(path)), rows_(rows) {}
  void on_epoch_end(EpochEnd& end) override;

 private:
  std::string path_;
  std::vector<std::pair<int, Logs>>& rows_;
};

// Keras CSVLogger text: a header `epoch,<sorted keys>` and one line per epoch.
std::string history_csv(const std::vector<std::pair<int, Logs>>& epochs, char separator = ',');

}  // namespace yamlnet
