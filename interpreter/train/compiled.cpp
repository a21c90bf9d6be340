#include "interpreter/train/compiled.hpp"

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

}  // namespace

Compiled::Compiled(Graph& graph, const Args& compile) {
  const Value& loss = compile.get("loss");
  if (loss.is_none())
    throw ConfigError({Diagnostic{
        SourceLoc{graph.spec().file, 0, 0}, "", "",
        "compile.loss is required to train or evaluate (e.g. loss: sparse_categorical_crossentropy)"}});
  optimizer = Optimizer::create(compile.get("optimizer"));
  for (size_t k = 0; k < graph.num_outputs(); ++k) {
    losses.push_back(Loss::create(loss));
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
    std::vector<std::unique_ptr<Metric>> ms;
    for (const auto& name : compile.get("metrics").strings()) {
      std::string kind;
      int cutoff;
      if (parse_ranking_metric(name, kind, cutoff)) continue;  // computed over ranking sets, not batches
      ms.push_back(Metric::create(name, width, l.target_width(width)));
    }
    metrics.push_back(std::move(ms));
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
