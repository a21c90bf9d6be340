#pragma once
// Runs a Graph forward and backward over one batch: the buffers of every node's outputs, masks and
// gradients, and the plan made once at build time (which nodes need gradients, which Flatten takes its
// input's buffer, the parameter lists the training step walks) so that a step allocates nothing.
#include <vector>

#include "interpreter/graph/graph.hpp"

namespace yamlnet {

// This process's part of a data-parallel step whose gradients are then summed over the processes: the share
// of the global batch its rows are (the loss gradients arrive scaled by it, and so are the activity
// regularizers'), and whether it adds the weight penalties' gradients (one process does).
struct BatchShare {
  double rows = 1.0;
  bool weight_penalties = true;
};

class Executor {
 public:
  // Plans the execution of a built graph. The executor holds no reference to it: every call that runs the
  // graph is handed the same graph (a Model keeps the two side by side and moves them together).
  explicit Executor(Graph& graph);

  Tensor& input_buffer(size_t i) { return values_[input_nodes_[i]][0]; }
  void forward(Graph& graph, const RunContext& ctx);
  const Tensor& output(size_t k) const { return values_[outputs_[k].node][outputs_[k].index]; }
  const Tensor* output_mask(size_t k) const { return layer_mask(outputs_[k].node, outputs_[k].index); }
  const Tensor& layer_output(int node, int index) const { return values_[node][index]; }
  const Tensor* layer_mask(int node, int index) const {
    return has_mask_[node][index] ? &masks_[node][index] : nullptr;
  }
  // Loss from activity regularizers in the last forward pass (divided by the batch size, as Keras does).
  double activity_loss() const { return activity_loss_; }
  // Penalties of the weight regularizers.
  double weight_penalty() const;

  void zero_grads();
  Tensor& output_grad(size_t k) { return grads_[outputs_[k].node][outputs_[k].index]; }
  void backward(Graph& graph, const BatchShare& share = {});

 private:
  // Marks the Flattens and Reshapes that, in training, take their model input's buffer instead of copying it:
  // those whose input nothing else reads. The trainer gathers the next batch into the buffer they hand back.
  // (A Fashion-MNIST MLP's Flatten copy was 4% of its training step and one more fork and join of threads.)
  void find_input_takers(const Graph& graph);
  const LayerInputs& gather(const Graph& graph, int node);

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
  std::vector<ParamSlot> all_params_, trainable_params_;  // cached at build time for the training step
};

}  // namespace yamlnet
