#include "interpreter/io/onnx/onnx_export.hpp"

#include <map>

#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/onnx/onnx_layers.hpp"
#include "layers/core/input_layer.hpp"

namespace yamlnet {

namespace {

constexpr std::int64_t kOpset = 17;
constexpr std::int64_t kIrVersion = 8;  // the IR version of opset 17 (ONNX 1.12)

std::vector<std::int64_t> dims(const Shape& shape) {
  return {shape.begin(), shape.end()};
}

bool reads_ids(const Model& model, size_t i) {
  const auto* input = dynamic_cast<const InputLayer*>(model.input_node(i).layer.get());
  return (input && input->is_integer()) || model.input_id_limit(i);
}

// One forward pass over a row of valid inputs, so that the model's own mask flow says which outputs carry a
// mask: the exporter's masks must agree with it.
void run_one_row(Model& model) {
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    Tensor& buffer = model.input_buffer(i);
    buffer.resize_batch(1, model.input_node(i).output_shapes[0]);
    const auto limit = model.input_id_limit(i);
    buffer.data.assign(buffer.data.size(), limit && limit->limit > 1 ? Real(1) : Real(0));
  }
  model.reset_states();
  model.forward(RunContext{Mode::Inference, nullptr});
  model.reset_states();
}

std::string layer_label(const Node& node) {
  return "layer '" + node.layer->name() + "' (" + node.layer->type() + ")";
}

}  // namespace

void write_onnx(Model& model, const std::vector<std::string>& outputs, const std::string& path) {
  std::vector<OutputRef> fetch;
  std::vector<std::string> fetch_names;
  for (const auto& name : outputs) {
    fetch.push_back(find_layer_output(model, name, "export-onnx --outputs"));
    fetch_names.push_back(name);
  }
  if (outputs.empty())
    for (size_t k = 0; k < model.num_outputs(); ++k) {
      fetch.push_back(model.output_ref(k));
      fetch_names.push_back(model.output_name(k));
    }
  run_one_row(model);

  onnx::ModelProto proto;
  proto.set_ir_version(kIrVersion);
  proto.set_producer_name("yamlnet");
  proto.set_model_version(1);
  proto.set_doc_string("Exported by yamlnet export-onnx from " + model.spec().file);
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  onnx::GraphProto& graph_proto = *proto.mutable_graph();
  graph_proto.set_name(model.spec().name);
  OnnxGraph graph(graph_proto);

  std::map<std::pair<int, int>, OnnxValue> values;
  std::map<std::pair<int, int>, bool>
      mask_lost;  // the model masks this output, the export has no mask for it
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    const Node& node = model.input_node(i);
    const bool ids = reads_ids(model, i);
    graph.add_input(node.layer->name(), ids ? onnx::TensorProto::INT32 : onnx::TensorProto::FLOAT,
                    dims(node.output_shapes[0]));
    values[{model.input_node_index(i), 0}] = OnnxValue{node.layer->name(), "", ids};
  }
  const auto& nodes = model.nodes();
  for (size_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    if (node.is_input) continue;
    const OnnxEmitter emit = onnx_emitter(node.layer->type());
    if (!emit) {
      std::string types;
      for (const auto& t : onnx_layer_types()) types += (types.empty() ? "" : ", ") + t;
      throw UsageError(node.decl->loc.str() + ": export-onnx: " + layer_label(node) +
                       " has no exact ONNX form (the layers that have one: " + types + ")");
    }
    std::vector<OnnxValue> in;
    for (const OutputRef& ref : node.inputs) {
      in.push_back(values.at({ref.node, ref.index}));
      if (mask_lost[{ref.node, ref.index}] && node.layer->uses_masks())
        throw UsageError(node.decl->loc.str() + ": export-onnx: " + layer_label(node) +
                         " reads a mask that " + "layer '" +
                         nodes[static_cast<size_t>(ref.node)].layer->name() +
                         "' combines in a way the ONNX export does not write");
    }
    std::vector<OnnxValue> out;
    try {
      out = emit(graph, node, in);
    } catch (const OnnxUnsupported& e) {
      throw UsageError(node.decl->loc.str() + ": export-onnx: " + layer_label(node) +
                       " has no exact ONNX form: " + e.reason);
    }
    for (size_t k = 0; k < out.size(); ++k) {
      const bool masked = model.layer_mask(static_cast<int>(n), static_cast<int>(k)) != nullptr;
      if (!masked) out[k].mask.clear();  // the model drops it here
      mask_lost[{static_cast<int>(n), static_cast<int>(k)}] = masked && out[k].mask.empty();
      values[{static_cast<int>(n), static_cast<int>(k)}] = out[k];
    }
  }
  for (size_t k = 0; k < fetch.size(); ++k) {
    const OnnxValue& value = values.at({fetch[k].node, fetch[k].index});
    const std::string name = graph.fresh(fetch_names[k]);
    graph.node("Identity", {value.name}, name);
    graph_proto.mutable_node(graph_proto.node_size() - 1)->set_output(0, name);
    graph.add_output(
        name,
        dims(nodes[static_cast<size_t>(fetch[k].node)].output_shapes[static_cast<size_t>(fetch[k].index)]));
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) throw UsageError("export-onnx: the model could not be serialised");
  write_file_atomically(path, bytes);
}

}  // namespace yamlnet
