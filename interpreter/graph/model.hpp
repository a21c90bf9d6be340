#pragma once
// The layer graph in topological order, and the executor that runs it forward and backward over a batch.
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

class Model {
 public:
  // Builds the graph: resolves references, sorts topologically (ties by declaration order), infers shapes.
  // Throws ConfigError listing every problem with its file:line:col.
  // The model keeps its spec (its nodes point at the spec's layer declarations): a spec the caller no longer
  // needs is moved in, one the caller keeps is shared or copied.
  explicit Model(std::shared_ptr<const ModelSpec> spec);
  explicit Model(ModelSpec&& spec) : Model(std::make_shared<const ModelSpec>(std::move(spec))) {}
  explicit Model(const ModelSpec& spec) : Model(std::make_shared<const ModelSpec>(spec)) {}

  const ModelSpec& spec() const { return *spec_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& nodes() { return nodes_; }
  const Node* find(const std::string& layer_name) const;
  // The mutable forms, for what configures a built model for training (a loss binding its output or table).
  Node* find(const std::string& layer_name);

  // Model inputs and outputs, in declaration order.
  size_t num_inputs() const { return input_nodes_.size(); }
  const Node& input_node(size_t i) const { return nodes_[input_nodes_[i]]; }
  size_t num_outputs() const { return outputs_.size(); }
  const Node& output_node(size_t k) const { return nodes_[outputs_[k].node]; }
  Node& output_node(size_t k) { return nodes_[outputs_[k].node]; }
  OutputRef output_ref(size_t k) const { return outputs_[k]; }
  // The node index of a layer, -1 when there is none.
  int node_index(const std::string& layer_name) const;
  const Shape& output_shape(size_t k) const {
    return nodes_[outputs_[k].node].output_shapes[outputs_[k].index];
  }
  // The smallest id bound among the layers reading model input i (none when no layer bounds its ids).
  std::optional<IdLimit> input_id_limit(size_t i) const;
  const std::string& output_name(size_t k) const { return nodes_[outputs_[k].node].layer->name(); }

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

  // --- execution over one batch ---
  Tensor& input_buffer(size_t i) { return values_[input_nodes_[i]][0]; }
  void forward(const RunContext& ctx);
  const Tensor& output(size_t k) const { return values_[outputs_[k].node][outputs_[k].index]; }
  const Tensor* output_mask(size_t k) const;
  const Tensor& layer_output(int node, int index = 0) const { return values_[node][index]; }
  const Tensor* layer_mask(int node, int index = 0) const;
  // Loss from activity regularizers in the last forward pass (divided by the batch size, as Keras does).
  double activity_loss() const { return activity_loss_; }
  // Penalties of the weight regularizers.
  double weight_penalty() const;

  // Backward pass: zero_grads(), then add d loss/d output into output_grad(k), then backward().
  void zero_grads();
  Tensor& output_grad(size_t k) { return grads_[outputs_[k].node][outputs_[k].index]; }
  void backward();

 private:
  struct Resolution;
  void build();
  Resolution resolve_references(DiagnosticSink& sink) const;
  void order_layers(Resolution& graph, DiagnosticSink& sink) const;
  void build_layers(Resolution& graph, DiagnosticSink& sink);
  void bind_outputs(const Resolution& graph, DiagnosticSink& sink);
  // Buffers per node, cached parameter lists, which nodes need gradients and which take their input's buffer.
  void plan_execution();
  void check_stateful_layers(DiagnosticSink& sink);
  // Marks the Flattens and Reshapes that, in training, take their model input's buffer instead of copying it:
  // those whose input nothing else reads. The trainer gathers the next batch into the buffer they hand back.
  // (A Fashion-MNIST MLP's Flatten copy was 4% of its training step and one more fork and join of threads.)
  void find_input_takers();
  const LayerInputs& gather(int node);

  std::shared_ptr<const ModelSpec> spec_;
  std::vector<Node> nodes_;
  std::vector<int> input_nodes_;
  std::vector<OutputRef> outputs_;

  std::vector<std::vector<Tensor>> values_, masks_, grads_;
  std::vector<std::vector<bool>> has_mask_;
  std::vector<std::vector<Tensor*>> d_inputs_;  // per node, reused every step
  std::vector<bool> upstream_trains_;           // per node: a trainable weight at or before it
  std::vector<bool> is_output_;                 // per node: one of the model's outputs
  std::vector<bool> takes_input_;               // per node: see find_input_takers()
  std::vector<LayerInputs> inputs_;             // per node, reused every step
  double activity_loss_ = 0;
  std::optional<Index> fixed_batch_size_;
  std::vector<ParamSlot> all_params_, trainable_params_;  // cached at build time for the training step
};

}  // namespace yamlnet
