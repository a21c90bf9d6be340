#include "interpreter/train/compiled.hpp"

#include <algorithm>

#include "interpreter/train/ranking.hpp"

namespace yamlnet {

namespace {

bool feeds_other_layers(const Graph& graph, const Node& node) {
  int self = -1;
  for (size_t n = 0; n < graph.nodes().size(); ++n)
    if (&graph.nodes()[n] == &node) self = static_cast<int>(n);
  for (const auto& other : graph.nodes())
    for (const auto& r : other.inputs)
      if (r.node == self) return true;
  return false;
}

ConfigError error_at(const SourceLoc& loc, const std::string& message) {
  return ConfigError({Diagnostic{loc, "", "", message}});
}

std::vector<std::string> output_names(const Graph& graph) {
  std::vector<std::string> names;
  for (size_t k = 0; k < graph.num_outputs(); ++k) names.push_back(graph.output_name(k));
  return names;
}

// A per-output value (one per output, Value::Kind::Keyed) fits the model: a list as long as its outputs, a
// map whose keys are output names.
void check_per_output(const Value& value, const Graph& graph, const std::string& what) {
  if (value.kind != Value::Kind::Keyed) return;
  const std::vector<std::string> names = output_names(graph);
  if (value.strings().empty()) {
    if (value.items().size() != names.size())
      throw error_at(value.loc, "compile." + what + " lists " + std::to_string(value.items().size()) +
                                    " entries but the model has " + std::to_string(names.size()) +
                                    " outputs (" + join_names(names) + "); give one per output, in order");
    return;
  }
  for (size_t k = 0; k < value.strings().size(); ++k) {
    const std::string& key = value.strings()[k];
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string message = "compile." + what + ": '" + key + "' is not an output of the model";
    const std::string near = nearest_name(key, names);
    if (!near.empty()) message += "; did you mean '" + near + "'?";
    throw error_at(value.items()[k].loc, message + " (outputs: " + join_names(names) + ")");
  }
}

std::vector<std::unique_ptr<Metric>> output_metrics(const Value& plain, const Value& weighted, Index width,
                                                    Index target_width) {
  std::vector<std::unique_ptr<Metric>> out;
  const std::vector<std::string>& unweighted = plain.strings();
  for (const Value* list : {&plain, &weighted})
    for (size_t i = 0; i < list->strings().size(); ++i) {
      const std::string& name = list->strings()[i];
      std::string kind;
      int cutoff;
      if (parse_ranking_metric(name, kind, cutoff)) continue;  // computed over ranking sets, not batches
      const bool is_weighted = list == &weighted;
      // Keras tells the two apart when a metric is asked for both ways.
      const bool both =
          is_weighted && std::find(unweighted.begin(), unweighted.end(), name) != unweighted.end();
      try {
        out.push_back(Metric::create(name, width, target_width, both ? "weighted_" + name : name));
      } catch (const TrainingError& e) {
        // The metric cannot apply to this output: say where it was asked for.
        const Value& at = list->items().size() > i ? list->items()[i] : *list;
        throw error_at(at.loc, "compile.metrics: " + std::string(e.what()));
      }
      out.back()->set_weighted(is_weighted);
    }
  return out;
}

}  // namespace

Compiled::Compiled(Graph& graph, const Args& compile) {
  const Value& loss = compile.get("loss");
  if (loss.is_none())
    throw ConfigError({Diagnostic{
        SourceLoc{graph.spec().file, 0, 0}, "", "",
        "compile.loss is required to train or evaluate (e.g. loss: sparse_categorical_crossentropy)"}});
  optimizer = Optimizer::create(compile.get("optimizer"));
  for (const char* what : {"loss", "loss_weights", "metrics", "weighted_metrics"})
    check_per_output(compile.get(what), graph, what);
  for (size_t k = 0; k < graph.num_outputs(); ++k) {
    const std::string& output = graph.output_name(k);
    const Value& output_loss = loss.for_output(k, output);
    if (output_loss.is_none())
      throw error_at(loss.loc, "compile.loss gives no loss for output '" + output +
                                   "'; give it one (with loss_weights 0 it does not count)");
    const Value& weight = compile.get("loss_weights").for_output(k, output);
    loss_weights.push_back(weight.is_none() ? 1.0 : weight.as_double());
    losses.push_back(Loss::create(output_loss));
    Loss& l = *losses.back();
    l.bind(graph, k);
    Node& node = graph.output_node(k);
    // Keras reads the logits of a sigmoid/softmax output for cross-entropy: exact and stable.
    auto* exposes = dynamic_cast<ExposesLogits*>(node.layer.get());
    const bool logits = exposes && !l.from_logits_arg() && l.takes_logits_of(exposes->output_activation()) &&
                        !feeds_other_layers(graph, node);
    logits_of.push_back(logits ? exposes : nullptr);
    if (logits) {
      l.set_logits_input(true);
      exposes->set_gradient_at_logits(true);
    }
    const Index width = graph.output_shape(k).back();
    metrics.push_back(output_metrics(compile.get("metrics").for_output(k, output),
                                     compile.get("weighted_metrics").for_output(k, output), width,
                                     l.target_width(width)));
  }
}

std::vector<Index> Compiled::target_widths(const Graph& graph) const {
  std::vector<Index> out;
  for (size_t k = 0; k < graph.num_outputs(); ++k)
    out.push_back(losses[k]->target_width(graph.output_shape(k).back()));
  return out;
}

std::vector<std::string> Compiled::log_names(const Graph& graph, bool with_validation) const {
  std::vector<std::string> names{"loss"};
  // Keras adds one loss per output when there are several: `<output>_loss`.
  const bool several = graph.num_outputs() > 1;
  if (several)
    for (size_t k = 0; k < graph.num_outputs(); ++k) names.push_back(graph.output_name(k) + "_loss");
  for (size_t k = 0; k < metrics.size(); ++k)
    for (const auto& m : metrics[k])
      names.push_back(several ? graph.output_name(k) + "_" + m->name() : m->name());
  if (with_validation) {
    const size_t n = names.size();
    for (size_t i = 0; i < n; ++i) names.push_back("val_" + names[i]);
  }
  return names;
}

}  // namespace yamlnet
