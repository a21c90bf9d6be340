#include "interpreter/graph/executor.hpp"

#include "layers/core/reshaping_layer.hpp"

namespace yamlnet {

Executor::Executor(Graph& graph) {
  const std::vector<Node>& nodes = graph.nodes();
  for (size_t i = 0; i < graph.num_inputs(); ++i) input_nodes_.push_back(graph.input_node_index(i));
  for (size_t k = 0; k < graph.num_outputs(); ++k) outputs_.push_back(graph.output_ref(k));
  all_params_ = graph.parameters();
  // Gradients are the executor's: a graph that is only checked has none (the budget counted them).
  for (auto& slot : all_params_)
    if (!slot.param->row_grads) slot.param->grad.resize(slot.param->shape);
  trainable_params_ = graph.trainable_parameters();
  is_output_.assign(nodes.size(), false);
  for (const OutputRef& o : outputs_) is_output_[o.node] = true;
  // A node's output needs a gradient only when a trainable weight lies at or before it: the first Dense of
  // an MLP then skips the product that would give the gradient of the images (a third of its backward pass).
  upstream_trains_.assign(nodes.size(), false);
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].is_input) continue;
    std::vector<ParamSlot> own;
    if (nodes[n].layer->trainable()) nodes[n].layer->collect_params(own, "");
    bool trains = !own.empty();
    for (const OutputRef& r : nodes[n].inputs) trains = trains || upstream_trains_[r.node];
    upstream_trains_[n] = trains;
  }

  find_input_takers(graph);

  values_.resize(nodes.size());
  masks_.resize(nodes.size());
  grads_.resize(nodes.size());
  has_mask_.resize(nodes.size());
  d_inputs_.resize(nodes.size());
  inputs_.reserve(nodes.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    const size_t outs = nodes[n].output_shapes.size();
    values_[n].resize(outs);
    masks_[n].resize(outs);
    grads_[n].resize(outs);
    has_mask_[n].assign(outs, false);
    d_inputs_[n].assign(nodes[n].inputs.size(), nullptr);
    inputs_.push_back(LayerInputs{std::vector<const Tensor*>(nodes[n].inputs.size(), nullptr),
                                  std::vector<const Tensor*>(nodes[n].inputs.size(), nullptr)});
  }
}

void Executor::find_input_takers(const Graph& graph) {
  const std::vector<Node>& nodes = graph.nodes();
  std::vector<int> readers(nodes.size(), 0);
  for (const Node& node : nodes)
    for (const OutputRef& r : node.inputs) ++readers[r.node];
  takes_input_.assign(nodes.size(), false);
  for (size_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    if (node.is_input || node.inputs.size() != 1 || !dynamic_cast<const ReshapingLayer*>(node.layer.get()))
      continue;
    const int from = node.inputs[0].node;
    takes_input_[n] = nodes[from].is_input && readers[from] == 1 && !is_output_[from];
  }
}

const LayerInputs& Executor::gather(const Graph& graph, int node) {
  // The vectors were sized when planning; only the pointers change from batch to batch.
  LayerInputs& in = inputs_[node];
  const auto& refs = graph.nodes()[node].inputs;
  for (size_t i = 0; i < refs.size(); ++i) {
    in.values[i] = &values_[refs[i].node][refs[i].index];
    in.masks[i] = has_mask_[refs[i].node][refs[i].index] ? &masks_[refs[i].node][refs[i].index] : nullptr;
  }
  return in;
}

void Executor::forward(Graph& graph, const RunContext& ctx) {
  std::vector<Node>& nodes = graph.nodes();
  activity_loss_ = 0;
  for (size_t n = 0; n < nodes.size(); ++n) {
    Node& node = nodes[n];
    if (node.is_input) continue;
    const LayerInputs& in = gather(graph, static_cast<int>(n));
    if (takes_input_[n] && ctx.mode == Mode::Training)
      static_cast<ReshapingLayer&>(*node.layer).take(values_[node.inputs[0].node][0], values_[n][0]);
    else
      node.layer->forward(in, values_[n], ctx);
    node.layer->compute_masks(in, masks_[n], has_mask_[n]);
    if (const auto& reg = node.layer->activity_regularizer()) {
      const Tensor& y = values_[n][0];
      activity_loss_ += reg->penalty(y.ptr(), y.size()) / static_cast<double>(y.batch());
    }
  }
}

double Executor::weight_penalty() const {
  double total = 0;
  for (const auto& slot : all_params_)
    if (slot.param->regularizer)
      total += slot.param->regularizer->penalty(slot.param->value.ptr(), slot.param->value.size());
  return total;
}

void Executor::zero_grads() {
  for (size_t n = 0; n < values_.size(); ++n) {
    // backward() neither reads nor writes the gradient of a node with nothing trainable at or before it (the
    // inputs, an MLP's Flatten) unless the loss seeds it there.
    if (!upstream_trains_[n] && !is_output_[n]) continue;
    for (size_t k = 0; k < values_[n].size(); ++k) {
      grads_[n][k].resize(values_[n][k].shape);
      grads_[n][k].set_zero();
    }
  }
  for (auto& slot : all_params_) slot.param->zero_grad();
}

void Executor::backward(Graph& graph, const BatchShare& share) {
  std::vector<Node>& nodes = graph.nodes();
  for (size_t n = nodes.size(); n-- > 0;) {
    Node& node = nodes[n];
    if (node.is_input || !upstream_trains_[n]) continue;  // nothing at or before it takes a gradient
    if (const auto& reg = node.layer->activity_regularizer()) {
      const Tensor& y = values_[n][0];
      reg->add_gradient(y.ptr(), grads_[n][0].ptr(), y.size(), share.rows / static_cast<double>(y.batch()));
    }
    auto& d_inputs = d_inputs_[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const OutputRef& r = node.inputs[i];
      const bool wanted = upstream_trains_[r.node] && node.layer->input_takes_gradient(i);
      d_inputs[i] = wanted ? &grads_[r.node][r.index] : nullptr;
    }
    const LayerInputs& in = gather(graph, static_cast<int>(n));
    node.layer->backward(in, values_[n], grads_[n], d_inputs);
  }
  // Weight penalties are part of the loss Keras minimises.
  if (!share.weight_penalties) return;
  for (auto& slot : trainable_params_) {
    Parameter& p = *slot.param;
    if (p.regularizer) p.regularizer->add_gradient(p.value.ptr(), p.grad.ptr(), p.value.size());
  }
}

}  // namespace yamlnet
