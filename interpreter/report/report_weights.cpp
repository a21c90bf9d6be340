// The weight changes between two runs: per tensor a strip of cells, each a part of the tensor (its rows when
// it is 2-D, else equal runs of values), coloured by how far that part moved relative to its size in run a.
#include <algorithm>
#include <cmath>
#include <map>

#include "interpreter/io/weights.hpp"
#include "interpreter/report/report_parts.hpp"

namespace yamlnet {

namespace {

constexpr size_t kCells = 64;
constexpr double kCellW = 7, kCellH = 14;

struct Strip {
  std::string name, note;
  std::vector<double> cells;  // relative L2 change per part
};

Strip strip_of(const WeightsTensor& a, const WeightsTensor& b) {
  Strip s{a.name, "", {}};
  if (a.shape != b.shape) {
    s.note = "shapes differ: " + shape_to_string(a.shape, false) + " and " + shape_to_string(b.shape, false);
    return s;
  }
  const size_t size = a.data.size();
  // Parts: rows of a 2-D tensor (at most kCells of them, grouped evenly), else equal runs of values.
  const size_t unit = a.shape.size() == 2 ? static_cast<size_t>(a.shape[1]) : 1;
  const size_t units = unit ? size / unit : 0;
  const size_t parts = std::min(kCells, std::max<size_t>(units, 1));
  for (size_t p = 0; p < parts && units > 0; ++p) {
    const size_t begin = p * units / parts * unit, end = (p + 1) * units / parts * unit;
    double moved = 0, base = 0;
    for (size_t i = begin; i < end; ++i) {
      const double d = static_cast<double>(b.data[i]) - static_cast<double>(a.data[i]);
      moved += d * d;
      base += static_cast<double>(a.data[i]) * static_cast<double>(a.data[i]);
    }
    s.cells.push_back(std::sqrt(moved) / (base > 0 ? std::sqrt(base) : 1.0));
  }
  return s;
}

std::string cell_color(double v, double top) {
  const double t = top > 0 ? std::min(1.0, v / top) : 0;
  return "hsl(8,80%," + svg_number(97 - 55 * t) + "%)";
}

}  // namespace

std::string weights_heat_section(const RunRecord& a, const RunRecord& b) {
  std::string out = "<section id=\"weights\"><h2>Weight changes from " + html_escape(a.id) + " to " +
                    html_escape(b.id) + "</h2>";
  std::vector<Strip> strips;
  try {
    if (a.weights_path.empty() || b.weights_path.empty()) throw Error("a run has no weights file recorded");
    const WeightsFile wa = read_weights_file(a.weights_path), wb = read_weights_file(b.weights_path);
    std::map<std::string, const WeightsTensor*> in_b;
    for (const auto& t : wb.tensors) in_b[t.name] = &t;
    for (const auto& t : wa.tensors) {
      const auto it = in_b.find(t.name);
      strips.push_back(it == in_b.end() ? Strip{t.name, "only in " + a.id, {}} : strip_of(t, *it->second));
    }
  } catch (const Error& e) {
    return out + "<p class=\"note\">" + html_escape(e.what()) + "</p></section>";
  }
  double top = 0;
  for (const auto& s : strips)
    for (double v : s.cells) top = std::max(top, v);
  out += "<p>Each cell is a part of the tensor (rows of a 2-D tensor); red is the largest relative change (" +
         html_escape(svg_number(top)) + "), white none.</p><table class=\"heat\">";
  for (const auto& s : strips) {
    out += "<tr><th>" + html_escape(s.name) + "</th><td>";
    if (!s.note.empty()) {
      out += html_escape(s.note) + "</td></tr>";
      continue;
    }
    out += "<svg class=\"strip\" data-tensor=\"" + html_escape(s.name) + "\" width=\"" +
           svg_number(kCellW * static_cast<double>(s.cells.size())) + "\" height=\"" + svg_number(kCellH) +
           "\">";
    for (size_t c = 0; c < s.cells.size(); ++c)
      out += "<rect x=\"" + svg_number(kCellW * static_cast<double>(c)) + "\" width=\"" + svg_number(kCellW) +
             "\" height=\"" + svg_number(kCellH) + "\" fill=\"" + cell_color(s.cells[c], top) + "\"><title>" +
             html_escape(svg_number(s.cells[c])) + "</title></rect>";
    out += "</svg></td></tr>";
  }
  return out + "</table></section>";
}

}  // namespace yamlnet
