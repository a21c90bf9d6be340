#include "interpreter/train/fit_spec.hpp"

#include "interpreter/graph/graph.hpp"
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
    metrics.also_pattern = "^(hr|ndcg|recall|mrr|map|precision)@[1-9][0-9]*$";
    metrics.doc =
        "metrics reported with the loss; hr@K, ndcg@K, recall@K, mrr@K, map@K and precision@K rank "
        "held-out items (implicit_feedback and next_item_sequences data)";
    ArgSpec weighted = metrics;
    weighted.name = "weighted_metrics";
    weighted.default_value = Value::none();
    weighted.doc =
        "metrics weighted by the data's sample_weight and fit.class_weight, as Keras's weighted_metrics "
        "(named "
        "weighted_<metric> when the same metric is also in `metrics`)";
    return std::vector<ArgSpec>{
        function_arg("optimizer", optimizer_family(), "rmsprop",
                     "optimizer and its settings (Keras's default)"),
        keyed(function_arg("loss", loss_family(), std::nullopt,
                           "loss to minimise (required to train); with several outputs one loss for all, or "
                           "one per output"),
              Keying::PerOutput),
        keyed(float_arg("loss_weights", std::nullopt,
                        "per output: the weight of its loss in the total that is minimised and logged as "
                        "`loss` (default 1 each)",
                        0.0),
              Keying::PerOutput),
        keyed(metrics, Keying::PerOutput), keyed(weighted, Keying::PerOutput)};
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
        bool_arg("shuffle", true,
                 "shuffle the training data before each epoch (interaction logs: a permutation computed row by "
                 "row, not held)"),
        float_arg("validation_split", 0.0,
                  "fraction of the training data (its end, before shuffling) held out", 0.0, 0.99),
        keyed(float_arg("class_weight", std::nullopt,
                        "weight of each class's samples in the loss (Keras's class_weight; classes left out "
                        "weigh 1); multiplies the data's sample_weight",
                        0.0),
              Keying::PerClass),
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

namespace yamlnet {

std::vector<double> class_weight_table(const Value& class_weight, const Graph& graph) {
  if (class_weight.is_none()) return {};
  auto fail = [&](const SourceLoc& loc, const std::string& message) {
    return ConfigError({Diagnostic{loc, "", "", "fit.class_weight: " + message}});
  };
  if (graph.num_outputs() != 1)
    throw fail(class_weight.loc, "is for a model with one output (this one has " +
                                     std::to_string(graph.num_outputs()) +
                                     "); weigh samples with the data's sample_weight instead");
  const Index width = graph.output_shape(0).back();
  const Index classes = width == 1 ? 2 : width;  // a binary output's classes are 0 and 1
  std::vector<double> table;
  const auto& values = class_weight.items();
  for (size_t k = 0; k < values.size(); ++k) {
    const size_t index = class_weight.strings().empty() ? k : std::stoul(class_weight.strings()[k]);
    if (static_cast<Index>(index) >= classes)
      throw fail(values[k].loc, "class " + std::to_string(index) + " is not a class of output '" +
                                    graph.output_name(0) + "' (classes 0 to " + std::to_string(classes - 1) +
                                    ")");
    if (table.size() <= index) table.resize(index + 1, 1.0);
    table[index] = values[k].as_double();
  }
  return table;
}

}  // namespace yamlnet
