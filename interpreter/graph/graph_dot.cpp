#include "interpreter/graph/graph_dot.hpp"

#include "interpreter/graph/graph.hpp"

namespace yamlnet {

namespace {

// DOT record labels treat these as structure.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '{' || c == '}' || c == '|' || c == '<' || c == '>' || c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string shapes(const std::vector<Shape>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + shape_to_string(s);
  return out.empty() ? "-" : out;
}

}  // namespace

std::string graph_dot(const Graph& graph) {
  std::string out = "digraph \"" + escaped(graph.spec().name) +
                    "\" {\n  rankdir=TB;\n"
                    "  node [shape=record, fontname=\"Helvetica\", fontsize=11];\n";
  const auto& nodes = graph.nodes();
  for (size_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    const std::string title = escaped(node.layer->name() + ": " + node.layer->type());
    out += "  n" + std::to_string(n) + " [label=\"{" + title + "|{input:|output:}|{" +
           escaped(node.is_input ? shapes(node.output_shapes) : shapes(node.input_shapes)) + "|" +
           escaped(shapes(node.output_shapes)) + "}}\"];\n";
  }
  // Node indices in nodes() are positions in topological order; inputs refer to those positions.
  for (size_t n = 0; n < nodes.size(); ++n)
    for (const auto& ref : nodes[n].inputs) {
      out += "  n" + std::to_string(ref.node) + " -> n" + std::to_string(n);
      if (ref.index != 0) out += " [label=\":" + std::to_string(ref.index) + "\"]";
      out += ";\n";
    }
  return out + "}\n";
}

}  // namespace yamlnet
