#include "interpreter/graph/mask_flow.hpp"

namespace yamlnet {

namespace {

bool makes_masks(const Graph& graph) {
  for (const Node& node : graph.nodes()) {
    if (node.is_input) continue;
    const Args& args = node.decl->args;
    if (node.decl->type == "Masking") return true;
    if (args.has("mask_zero") && args.boolean("mask_zero")) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> dropped_mask_warnings(Model& model) {
  std::vector<std::string> out;
  if (!makes_masks(model)) return out;
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    const Node& input = model.input_node(i);
    const Value& batch = input.decl->args.get("batch_size");
    Tensor& buffer = model.input_buffer(i);
    buffer.resize_batch(batch.is_none() ? 1 : batch.i, input.output_shapes[0]);
    buffer.set_zero();
  }
  model.forward(RunContext{});
  model.reset_states();
  const auto& nodes = model.nodes();
  for (size_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    if (node.is_input || node.layer->uses_masks()) continue;
    for (const OutputRef& ref : node.inputs) {
      if (!model.layer_mask(ref.node, ref.index)) continue;
      const Node& from = nodes[static_cast<size_t>(ref.node)];
      out.push_back(Diagnostic{node.decl->loc, node.decl->name, node.decl->type,
                               "cannot use the mask that '" + from.decl->name + "' (" + from.decl->type +
                                   ") passes it: the mask stops here, and padding counts as data from this "
                                   "layer on (Keras 2 drops it silently, Keras 1 refused the model); pool "
                                   "the sequence (GlobalAveragePooling1D, SequencePooling) or an RNN uses it",
                               true}
                        .format());
      break;
    }
  }
  return out;
}

}  // namespace yamlnet
