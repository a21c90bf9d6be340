// A model's layer graph as SVG: layers in rows by depth (inputs at the top), each box naming the layer, its
// type and output shape, and a line for every connection.
#include <algorithm>

#include "interpreter/graph/graph.hpp"
#include "interpreter/report/report_parts.hpp"

namespace yamlnet {

namespace {

constexpr double kBoxW = 190, kBoxH = 38, kGapX = 18, kGapY = 34, kMargin = 10;
// Past this a drawing is no longer readable; the page says how many layers were left out.
constexpr size_t kMaxLayers = 400;

std::string output_shapes(const Node& node) {
  std::string out;
  for (const auto& s : node.output_shapes) out += (out.empty() ? "" : ", ") + shape_to_string(s);
  return out;
}

}  // namespace

std::string graph_svg(const Graph& graph) {
  const auto& nodes = graph.nodes();
  const size_t count = std::min(nodes.size(), kMaxLayers);
  // nodes() is in topological order, so a node's inputs are placed before it.
  std::vector<int> depth(count, 0), column(count, 0);
  std::vector<int> per_depth;
  for (size_t n = 0; n < count; ++n) {
    for (const auto& in : nodes[n].inputs)
      if (in.node >= 0 && static_cast<size_t>(in.node) < n)
        depth[n] = std::max(depth[n], depth[static_cast<size_t>(in.node)] + 1);
    if (per_depth.size() <= static_cast<size_t>(depth[n]))
      per_depth.resize(static_cast<size_t>(depth[n]) + 1, 0);
    column[n] = per_depth[static_cast<size_t>(depth[n])]++;
  }
  const int widest = per_depth.empty() ? 1 : *std::max_element(per_depth.begin(), per_depth.end());
  const double width = 2 * kMargin + widest * kBoxW + (widest - 1) * kGapX;
  const double height = 2 * kMargin + static_cast<double>(per_depth.size()) * (kBoxH + kGapY) - kGapY;
  auto x_of = [&](size_t n) {
    // Each row centred.
    const int in_row = per_depth[static_cast<size_t>(depth[n])];
    const double row_w = in_row * kBoxW + (in_row - 1) * kGapX;
    return (width - row_w) / 2 + column[n] * (kBoxW + kGapX);
  };
  auto y_of = [&](size_t n) { return kMargin + depth[n] * (kBoxH + kGapY); };
  std::string svg = "<svg class=\"graph\" data-model=\"" + html_escape(graph.spec().name) +
                    "\" viewBox=\"0 0 " + svg_number(width) + " " + svg_number(height) + "\" width=\"" +
                    svg_number(width) + "\" height=\"" + svg_number(height) +
                    "\" role=\"img\"><g class=\"edges\">";
  for (size_t n = 0; n < count; ++n)
    for (const auto& in : nodes[n].inputs) {
      if (in.node < 0 || static_cast<size_t>(in.node) >= n) continue;
      const size_t from = static_cast<size_t>(in.node);
      svg += "<line x1=\"" + svg_number(x_of(from) + kBoxW / 2) + "\" y1=\"" +
             svg_number(y_of(from) + kBoxH) + "\" x2=\"" + svg_number(x_of(n) + kBoxW / 2) + "\" y2=\"" +
             svg_number(y_of(n)) + "\"/>";
    }
  svg += "</g>";
  for (size_t n = 0; n < count; ++n) {
    const Node& node = nodes[n];
    const double x = x_of(n), y = y_of(n);
    svg += "<g class=\"layer\" data-layer=\"" + html_escape(node.layer->name()) + "\"><rect x=\"" +
           svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(kBoxW) + "\" height=\"" +
           svg_number(kBoxH) + "\" rx=\"4\"/><text x=\"" + svg_number(x + kBoxW / 2) + "\" y=\"" +
           svg_number(y + 15) + "\" text-anchor=\"middle\">" +
           html_escape(node.layer->name() + " (" + node.layer->type() + ")") +
           "</text><text class=\"shape\" x=\"" + svg_number(x + kBoxW / 2) + "\" y=\"" + svg_number(y + 30) +
           "\" text-anchor=\"middle\">" + html_escape(output_shapes(node)) + "</text></g>";
  }
  svg += "</svg>";
  if (nodes.size() > count)
    svg += "<p>" + std::to_string(nodes.size() - count) + " more layers not drawn.</p>";
  return svg;
}

}  // namespace yamlnet
