#include "interpreter/graph/graph.hpp"

#include <map>
#include <queue>

#include "interpreter/core/memory.hpp"
#include "interpreter/spec/diagnostics.hpp"
#include "layers/functional/initializers.hpp"
#include "layers/layer_roles.hpp"

namespace yamlnet {

// What resolving the layers' references yields, for the steps after it.
struct Graph::Resolution {
  std::map<std::string, int> index_of;       // layer name -> declaration index
  std::vector<std::vector<OutputRef>> refs;  // per declaration: its inputs, as declaration indices
  std::vector<std::vector<int>> consumers;   // per declaration: who reads it
  std::vector<int> order;                    // declaration indices, producers first
  std::vector<int> position;                 // declaration index -> node index
  std::vector<bool> failed;                  // per declaration: not built (an error was reported)
};

// The steps, each reporting into one sink: resolve the references, order the layers, build each one within
// the memory budget, bind the outputs, then check what needs the whole graph. Errors of a step are thrown
// before the next step needs its results.
Graph::Graph(std::shared_ptr<const ModelSpec> spec) : spec_(std::move(spec)) {
  DiagnosticSink sink(spec_->file);
  Resolution graph = resolve_references(sink);
  sink.throw_if_errors();
  order_layers(graph, sink);
  sink.throw_if_errors();
  build_layers(graph, sink);
  bind_outputs(graph, sink);
  if (input_nodes_.empty()) sink.error(SourceLoc{spec_->file, 1, 1}, "the model has no inputs");
  check_stateful_layers(sink);
  sink.throw_if_errors();
}

Graph::Resolution Graph::resolve_references(DiagnosticSink& sink) const {
  Resolution graph;
  const auto& decls = spec_->layers;
  auto& index_of = graph.index_of;
  auto& consumers = graph.consumers;
  auto& refs = graph.refs;
  for (size_t i = 0; i < decls.size(); ++i) index_of.emplace(decls[i].name, static_cast<int>(i));
  consumers.resize(decls.size());
  refs.resize(decls.size());
  for (size_t i = 0; i < decls.size(); ++i) {
    const LayerDecl& d = decls[i];
    sink.set_layer(d.name, d.type);
    for (const auto& r : d.inputs) {
      auto it = index_of.find(r.layer);
      if (it == index_of.end()) {
        std::vector<std::string> names;
        for (const auto& other : decls) names.push_back(other.name);
        std::string msg = "input '" + r.layer + "' is not a layer or input of this model";
        const std::string near = nearest_name(r.layer, names);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        sink.error(r.loc, msg);
        continue;
      }
      if (it->second == static_cast<int>(i)) {
        sink.error(r.loc, "layer takes its own output as input");
        continue;
      }
      refs[i].push_back(OutputRef{it->second, r.index});
      consumers[it->second].push_back(static_cast<int>(i));
    }
    if (d.info && (d.inputs.size() < d.info->min_inputs || d.inputs.size() > d.info->max_inputs)) {
      const size_t lo = d.info->min_inputs, hi = d.info->max_inputs;
      std::string want = lo == hi         ? std::to_string(lo)
                         : hi == SIZE_MAX ? "at least " + std::to_string(lo)
                                          : std::to_string(lo) + " to " + std::to_string(hi);
      sink.error(d.loc, "takes " + want + " input" + (hi == 1 ? "" : "s") + ", got " +
                            std::to_string(d.inputs.size()));
    }
    sink.clear_layer();
  }

  return graph;
}

void Graph::order_layers(Resolution& graph, DiagnosticSink& sink) const {
  const auto& decls = spec_->layers;
  std::vector<int> pending(decls.size(), 0);
  for (size_t i = 0; i < decls.size(); ++i) pending[i] = static_cast<int>(graph.refs[i].size());
  // Kahn's algorithm; the ready set is ordered by declaration index so ties keep the file's order.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t i = 0; i < decls.size(); ++i)
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  std::vector<int>& order = graph.order;
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : graph.consumers[i])
      if (--pending[c] == 0) ready.push(c);
  }
  if (order.size() != decls.size()) {
    for (size_t i = 0; i < decls.size(); ++i) {
      if (pending[i] == 0) continue;
      sink.set_layer(decls[i].name, decls[i].type);
      sink.error(decls[i].inputs.empty() ? decls[i].loc : decls[i].inputs.front().loc,
                 "is part of a cycle: its inputs depend on its own output");
      sink.clear_layer();
    }
  }
}

void Graph::build_layers(Resolution& graph, DiagnosticSink& sink) {
  const auto& decls = spec_->layers;
  const auto& refs = graph.refs;
  const auto& order = graph.order;
  // max_memory, or the machine's memory: a parameter that cannot fit is an error before it is allocated.
  ParameterBudget budget(spec_->max_memory ? spec_->max_memory : physical_memory_bytes());
  std::vector<int>& position = graph.position;
  position.assign(decls.size(), 0);
  for (size_t k = 0; k < order.size(); ++k) position[order[k]] = static_cast<int>(k);
  std::vector<bool>& failed = graph.failed;
  failed.assign(decls.size(), false);
  for (int i : order) {
    const LayerDecl& d = decls[i];
    Node node;
    node.decl = &spec_->layers[i];
    node.is_input = d.is_input();
    sink.set_layer(d.name, d.type);
    bool inputs_ok = true;
    for (const auto& r : refs[i]) {
      inputs_ok = inputs_ok && !failed[r.node];
      if (!inputs_ok) break;
      const Node& producer = nodes_[position[r.node]];
      if (r.index < 0 || r.index >= static_cast<int>(producer.output_shapes.size())) {
        sink.error(d.loc, "input '" + decls[r.node].name + ":" + std::to_string(r.index) +
                              "' does not exist: '" + decls[r.node].name + "' has " +
                              std::to_string(producer.output_shapes.size()) + " output(s)");
        inputs_ok = false;
        break;
      }
      node.inputs.push_back(OutputRef{position[r.node], r.index});
      node.input_shapes.push_back(producer.output_shapes[r.index]);
    }
    if (inputs_ok && d.info) {
      try {
        node.layer = d.info->create(d.name, d.args);
        node.layer->set_trainable(d.trainable);
        if (d.args.has("activity_regularizer"))
          node.layer->set_activity_regularizer(Regularizer::from_value(d.args.get("activity_regularizer")));
        node.output_shapes = node.layer->build(node.input_shapes);
        // A split table's rows are fetched before the forward pass, from the ids the data gives it.
        if (const auto* table = dynamic_cast<const ShardedTable*>(node.layer.get());
            table && table->shard_requested() && !nodes_[static_cast<size_t>(node.inputs[0].node)].is_input)
          throw ShapeError("a table split by rows reads its ids straight from an Input layer", "shard");
        for (const Shape& s : node.output_shapes)
          for (Index dim : s)
            if (dim <= 0) throw ShapeError("output shape " + shape_to_string(s) + " has an empty dimension");
      } catch (const ShapeError& e) {
        std::string message = e.what();
        if (!e.argument.empty()) message = "argument '" + e.argument + "': " + message;
        if (!node.input_shapes.empty() && e.argument.empty()) {
          std::string shapes;
          for (const Shape& s : node.input_shapes)
            shapes += (shapes.empty() ? "" : ", ") + shape_to_string(s);
          message += " (input shape" + std::string(node.input_shapes.size() > 1 ? "s " : " ") + shapes + ")";
        }
        // Stacked recurrent layers as the Keras docs write them often miss return_sequences on the first.
        for (const auto& r : refs[i]) {
          const Args& producer = decls[r.node].args;
          if (message.find("sequence") != std::string::npos && producer.has("return_sequences") &&
              !producer.boolean("return_sequences"))
            message += "; '" + decls[r.node].name +
                       "' returns only its last step: give it return_sequences: true to feed every step here";
        }
        sink.error(e.argument.empty() ? d.loc : d.arg_loc(e.argument), message);
        inputs_ok = false;
      }
    }
    failed[i] = !inputs_ok;
    sink.clear_layer();
    if (node.is_input) input_nodes_.push_back(static_cast<int>(nodes_.size()));
    nodes_.push_back(std::move(node));
  }
}

void Graph::bind_outputs(const Resolution& graph, DiagnosticSink& sink) {
  const auto& index_of = graph.index_of;
  const auto& position = graph.position;
  const auto& failed = graph.failed;
  for (const auto& o : spec_->outputs) {
    auto it = index_of.find(o.layer);
    if (it == index_of.end()) {
      sink.error(o.loc, "outputs: '" + o.layer + "' is not a layer of this model");
      continue;
    }
    const Node& n = nodes_[position[it->second]];
    if (!failed[it->second] && (o.index < 0 || o.index >= static_cast<int>(n.output_shapes.size()))) {
      sink.error(o.loc, "outputs: '" + o.layer + "' has no output " + std::to_string(o.index));
      continue;
    }
    outputs_.push_back(OutputRef{position[it->second], o.index});
  }
}

void Graph::check_stateful_layers(DiagnosticSink& sink) {
  // Keras carries states from batch i to batch i of the next call, which needs a fixed batch size.
  std::optional<Index> batch;
  for (int i : input_nodes_) {
    const Value& b = nodes_[i].decl->args.get("batch_size");
    if (!b.is_none()) batch = b.i;
  }
  for (const auto& n : nodes_) {
    const LayerDecl& d = *n.decl;
    if (!d.args.has("stateful") || !d.args.boolean("stateful")) continue;
    if (!batch) {
      sink.set_layer(d.name, d.type);
      sink.error(d.arg_loc("stateful"),
                 "stateful: true needs a fixed batch size: give the model input a batch_size "
                 "(Keras: batch_input_shape)");
      sink.clear_layer();
    }
  }
  fixed_batch_size_ = batch;
}

int Graph::node_index(const std::string& layer_name) const {
  for (size_t n = 0; n < nodes_.size(); ++n)
    if (nodes_[n].layer->name() == layer_name) return static_cast<int>(n);
  return -1;
}

std::optional<IdLimit> Graph::input_id_limit(size_t i) const {
  const int input = input_nodes_[i];
  std::optional<IdLimit> out;
  for (const auto& node : nodes_)
    for (size_t k = 0; k < node.inputs.size(); ++k)
      if (const auto* ids = dynamic_cast<const TakesIds*>(node.layer.get());
          ids && node.inputs[k].node == input)
        if (auto l = ids->id_limit(k); l && (!out || *l < out->limit)) out = IdLimit{*l, node.layer->name()};
  return out;
}

const Node* Graph::find(const std::string& layer_name) const {
  const int index = node_index(layer_name);
  return index < 0 ? nullptr : &nodes_[static_cast<size_t>(index)];
}

Node* Graph::find(const std::string& layer_name) {
  const int index = node_index(layer_name);
  return index < 0 ? nullptr : &nodes_[static_cast<size_t>(index)];
}

std::vector<ParamSlot> Graph::parameters() {
  std::vector<ParamSlot> out;
  for (auto& n : nodes_) n.layer->collect_params(out, n.layer->name() + "/");
  return out;
}

std::vector<ParamSlot> Graph::trainable_parameters() {
  std::vector<ParamSlot> out;
  for (auto& n : nodes_)
    if (n.layer->trainable()) n.layer->collect_params(out, n.layer->name() + "/");
  return out;
}

Index Graph::count_params(bool trainable) const {
  Index total = 0;
  for (const auto& n : nodes_)
    if (n.layer->trainable() == trainable) total += n.layer->count_params();
  return total;
}

void Graph::initialize(uint64_t seed) {
  for (auto& slot : parameters()) {
    Parameter& p = *slot.param;
    Random rng(seed ^ fnv1a(slot.key));
    if (p.shard)  // this process's rows, the same values they have in the whole table
      initialize_rows(p.initializer, full_shape(p), p.shard->first_row, p.shape[0], p.value.ptr(), rng);
    else
      yamlnet::initialize(p.initializer, p.shape, p.value.ptr(), rng);
  }
  for (auto& n : nodes_) n.layer->finish_initialization(seed);
}

void Graph::reset_states() {
  for (auto& n : nodes_) n.layer->reset_states();
}

}  // namespace yamlnet

namespace yamlnet {

OutputRef find_layer_output(const Graph& model, const std::string& text, const std::string& who) {
  const auto colon = text.rfind(':');
  const bool indexed = colon != std::string::npos && colon + 1 < text.size() &&
                       text.find_first_not_of("0123456789", colon + 1) == std::string::npos;
  const std::string name = indexed ? text.substr(0, colon) : text;
  const int node = model.node_index(name);
  if (node < 0) throw UsageError(who + ": no layer named '" + name + "'");
  const auto count = model.nodes()[static_cast<size_t>(node)].output_shapes.size();
  const std::string digits = indexed ? text.substr(colon + 1) : "0";
  const size_t index = digits.size() > 6 ? count : std::stoul(digits);
  if (index >= count)
    throw UsageError(who + ": layer '" + name + "' has " + std::to_string(count) +
                     (count == 1 ? " output" : " outputs") + " (" + name + ":0" +
                     (count > 1 ? " to " + name + ":" + std::to_string(count - 1) : "") + "), not '" + text +
                     "'");
  return OutputRef{node, static_cast<int>(index)};
}

}  // namespace yamlnet
