#pragma once
// The layer graph a config declares: its layers built and in topological order, their shapes, the model's
// inputs and outputs, and its parameters. Running it over a batch is the Executor's job (executor.hpp).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interpreter/spec/diagnostics.hpp"
#include "interpreter/spec/model_spec.hpp"
#include "layers/layer.hpp"

namespace yamlnet {

struct OutputRef {
  int node = -1;
  int index = 0;
};

// The bound on the integer ids a model input may hold, and the layer that sets it (an Embedding's input_dim).
struct IdLimit {
  Index limit;
  std::string layer;
};

struct Node {
  std::unique_ptr<Layer> layer;
  const LayerDecl* decl = nullptr;
  std::vector<OutputRef> inputs;
  std::vector<Shape> input_shapes;   // per sample
  std::vector<Shape> output_shapes;  // per sample
  bool is_input = false;
};

class Graph {
 public:
  // Resolves references, sorts topologically (ties by declaration order), builds every layer within the
  // memory budget and infers shapes. Throws ConfigError listing every problem with its file:line:col.
  // The graph keeps its spec (its nodes point at the spec's layer declarations): a spec the caller no longer
  // needs is moved in, one the caller keeps is shared or copied.
  explicit Graph(std::shared_ptr<const ModelSpec> spec);
  explicit Graph(ModelSpec&& spec) : Graph(std::make_shared<const ModelSpec>(std::move(spec))) {}
  explicit Graph(const ModelSpec& spec) : Graph(std::make_shared<const ModelSpec>(spec)) {}

  const ModelSpec& spec() const { return *spec_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& nodes() { return nodes_; }
  const Node* find(const std::string& layer_name) const;
  // The mutable forms, for what configures a built model for training (a loss binding its output or table).
  Node* find(const std::string& layer_name);
  // The node index of a layer, -1 when there is none.
  int node_index(const std::string& layer_name) const;

  // Model inputs and outputs, in declaration order.
  size_t num_inputs() const { return input_nodes_.size(); }
  int input_node_index(size_t i) const { return input_nodes_[i]; }
  const Node& input_node(size_t i) const { return nodes_[input_nodes_[i]]; }
  size_t num_outputs() const { return outputs_.size(); }
  const Node& output_node(size_t k) const { return nodes_[outputs_[k].node]; }
  Node& output_node(size_t k) { return nodes_[outputs_[k].node]; }
  OutputRef output_ref(size_t k) const { return outputs_[k]; }
  const Shape& output_shape(size_t k) const {
    return nodes_[outputs_[k].node].output_shapes[outputs_[k].index];
  }
  const std::string& output_name(size_t k) const { return nodes_[outputs_[k].node].layer->name(); }
  // The smallest id bound among the layers reading model input i (none when no layer bounds its ids).
  std::optional<IdLimit> input_id_limit(size_t i) const;

  // Every parameter, in graph order, keyed "layer/weight".
  std::vector<ParamSlot> parameters();
  std::vector<ParamSlot> trainable_parameters();
  Index count_params(bool trainable) const;  // of trainable (or frozen) layers

  // Fills every parameter from its initializer. Each parameter draws from its own stream derived from the
  // seed and its name, so adding a layer does not change the others' initial values.
  void initialize(uint64_t seed);

  // The batch size fixed by an input's batch_size (stateful models), if any.
  std::optional<Index> fixed_batch_size() const { return fixed_batch_size_; }
  void reset_states();

 private:
  struct Resolution;
  Resolution resolve_references(DiagnosticSink& sink) const;
  void order_layers(Resolution& graph, DiagnosticSink& sink) const;
  void build_layers(Resolution& graph, DiagnosticSink& sink);
  void bind_outputs(const Resolution& graph, DiagnosticSink& sink);
  void check_stateful_layers(DiagnosticSink& sink);

  std::shared_ptr<const ModelSpec> spec_;
  std::vector<Node> nodes_;
  std::vector<int> input_nodes_;
  std::vector<OutputRef> outputs_;
  std::optional<Index> fixed_batch_size_;
};

// A layer's output named as `inputs` and --outputs write it: "lstm", or "lstm:1" for its second output.
// Throws UsageError, prefixed by `who` ("predict --outputs"), when the graph has no such layer or output.
OutputRef find_layer_output(const Graph& graph, const std::string& text, const std::string& who);

}  // namespace yamlnet
