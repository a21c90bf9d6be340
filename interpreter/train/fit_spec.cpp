#include "interpreter/train/fit_spec.hpp"

#include "interpreter/train/callbacks.hpp"
#include "interpreter/train/checkpoint.hpp"
#include "interpreter/train/losses.hpp"
#include "interpreter/train/metrics.hpp"
#include "interpreter/train/optimizers.hpp"
#include "interpreter/train/ranking.hpp"

namespace yamlnet {

const std::vector<ArgSpec>& compile_table() {
  static const std::vector<ArgSpec> table = [] {
    ArgSpec metrics{"metrics", ArgType::StringList, Value::string_list({}), "metrics reported with the loss"};
    metrics.choices = metric_names();
    metrics.also_accepts = [](const std::string& name) {
      std::string kind;
      int k;
      return parse_ranking_metric(name, kind, k);
    };
    metrics.also_pattern = "^(hr|ndcg|recall)@[1-9][0-9]*$";
    metrics.doc =
        "metrics reported with the loss; hr@K, ndcg@K and recall@K rank held-out items (implicit_feedback "
        "and "
        "next_item_sequences data)";
    return std::vector<ArgSpec>{
        function_arg("optimizer", optimizer_family(), "rmsprop",
                     "optimizer and its settings (Keras's default)"),
        function_arg("loss", loss_family(), std::nullopt, "loss to minimise (required to train)"), metrics};
  }();
  return table;
}

const std::vector<ArgSpec>& fit_table() {
  static const std::vector<ArgSpec> table = [] {
    ArgSpec callbacks{
        "callbacks", ArgType::FunctionList, Value::none(),
        "early_stopping, model_checkpoint, csv_logger, reduce_lr_on_plateau, learning_rate_scheduler"};
    callbacks.family = &callback_family();
    return std::vector<ArgSpec>{
        int_arg("epochs", 1, "number of epochs", 0),
        int_arg("batch_size", 32, "samples per gradient update", 1),
        bool_arg("shuffle", true, "shuffle the training data before each epoch"),
        float_arg("validation_split", 0.0,
                  "fraction of the training data (its end, before shuffling) held out", 0.0, 0.99),
        int_arg("initial_epoch", 0, "epoch to start from (for resuming)", 0),
        int_arg("steps_per_epoch", std::nullopt, "batches per epoch (default: the whole training set)", 1),
        int_arg("verbose", 1, "0 silent, 1 progress bar, 2 one line per epoch", 0),
        enum_arg("reset_states", "none", {"none", "epoch"},
                 "stateful layers: `epoch` forgets the carried states before each epoch"),
        string_arg("history", std::nullopt,
                   "per-epoch history CSV (default: history.csv beside the weights)"),
        callbacks,
        function_arg(
            "checkpoint", checkpoint_family(), std::nullopt,
            "resumable checkpoints: {dir: FOLDER, every_epochs: 1, keep: 3}; resume with train --resume "
            "FOLDER")};
  }();
  return table;
}

}  // namespace yamlnet
