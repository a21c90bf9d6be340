#include "interpreter/graph/summary.hpp"

#include <algorithm>

#include "interpreter/graph/graph.hpp"

namespace yamlnet {

std::string thousands(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string model_summary(const Graph& graph) {
  struct Row {
    std::string layer, shape, params, connected;
  };
  std::vector<Row> rows;
  const auto& nodes = graph.nodes();
  for (const auto& node : nodes) {
    Row r;
    r.layer = node.layer->name() + " (" + node.layer->type() + ")";
    if (node.is_input || node.output_shapes.size() > 1) {
      r.shape = "[";
      for (size_t k = 0; k < node.output_shapes.size(); ++k)
        r.shape += (k ? ", " : "") + shape_to_string(node.output_shapes[k]);
      r.shape += "]";
    } else {
      r.shape = shape_to_string(node.output_shapes[0]);
    }
    r.params = thousands(node.layer->count_params());
    r.connected = "[";
    for (size_t i = 0; i < node.inputs.size(); ++i)
      r.connected += (i ? ", '" : "'") + nodes[node.inputs[i].node].layer->name() + "[0][" +
                     std::to_string(node.inputs[i].index) + "]'";
    r.connected += "]";
    rows.push_back(r);
  }
  size_t w1 = 28, w2 = 26, w3 = 11, w4 = 14;
  for (const auto& r : rows) {
    w1 = std::max(w1, r.layer.size() + 2);
    w2 = std::max(w2, r.shape.size() + 2);
    w3 = std::max(w3, r.params.size() + 2);
    w4 = std::max(w4, r.connected.size());
  }
  auto pad = [](const std::string& s, size_t w) {
    return s + std::string(w > s.size() ? w - s.size() : 1, ' ');
  };
  const size_t width = 1 + w1 + w2 + w3 + w4;
  // Which Keras's defaults and formulas the layers follow: the same YAML means another model under another.
  std::string out = "Model: \"" + graph.spec().name + "\" (keras_version " +
                    std::to_string(graph.spec().keras_version) + ")\n";
  out += std::string(width, '_') + "\n";
  out += " " + pad("Layer (type)", w1) + pad("Output Shape", w2) + pad("Param #", w3) + "Connected to\n";
  out += std::string(width, '=') + "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    out += " " + pad(rows[i].layer, w1) + pad(rows[i].shape, w2) + pad(rows[i].params, w3) +
           rows[i].connected + "\n";
    if (i + 1 < rows.size()) out += "\n";
  }
  out += std::string(width, '=') + "\n";
  const Index trainable = graph.count_params(true), frozen = graph.count_params(false);
  out += "Total params: " + thousands(trainable + frozen) + "\n";
  out += "Trainable params: " + thousands(trainable) + "\n";
  out += "Non-trainable params: " + thousands(frozen) + "\n";
  out += std::string(width, '_') + "\n";
  return out;
}

std::string config_echo(const Graph& graph) {
  std::string out;
  for (const auto& node : graph.nodes()) {
    const LayerDecl& d = *node.decl;
    out += d.name + " (" + d.type + "):";
    bool first = true;
    for (const auto& [key, value] : d.args.items()) {
      out += (first ? " " : ", ") + key.str() + "=" + value.to_string();
      first = false;
    }
    if (!d.trainable) out += std::string(first ? " " : ", ") + "trainable=false";
    out += "\n";
  }
  return out;
}

}  // namespace yamlnet
