#pragma once
// What Keras's compile() attaches to a model: the optimizer, and per output a loss bound to the graph and its
// metrics. Checking a config needs no more than this; training adds the executor's buffers (Trainer).
#include <memory>
#include <string>
#include <vector>

#include "interpreter/graph/graph.hpp"
#include "interpreter/train/losses.hpp"
#include "interpreter/train/metrics.hpp"
#include "interpreter/train/optimizers.hpp"
#include "layers/layer_roles.hpp"

namespace yamlnet {

struct Compiled {
  // `compile` is the parsed compile block. Throws ConfigError when it cannot train (no loss) or a loss does
  // not fit its output. Binding may set an output layer up to take its gradient at the logits.
  Compiled(Graph& graph, const Args& compile);

  // Target values per prediction row for each output (1 for sparse labels), for the data loader.
  std::vector<Index> target_widths(const Graph& graph) const;
  // The names fit() logs, in order (loss, per-output losses, metrics; with_validation adds val_ ones).
  std::vector<std::string> log_names(const Graph& graph, bool with_validation) const;

  std::unique_ptr<Optimizer> optimizer;
  std::vector<std::unique_ptr<Loss>> losses;  // one per output
  std::vector<double> loss_weights;           // one per output: its share of the total loss
  // Per output: compile.metrics, then compile.weighted_metrics (Metric::weighted()).
  std::vector<std::vector<std::unique_ptr<Metric>>> metrics;
  // Per output: the layer whose logits the loss reads (sigmoid/softmax output, cross-entropy), else null.
  std::vector<const ExposesLogits*> logits_of;
};

}  // namespace yamlnet
