#include "interpreter/io/history_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

struct Series {
  std::vector<double> epochs, values;
};

struct History {
  std::vector<std::string> names;  // columns after `epoch`, in file order
  std::map<std::string, Series> series;
};

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

History read_history(const std::string& text, const std::string& file) {
  History h;
  std::istringstream in(text);
  std::string line;
  long number = 0, rows = 0;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto cells = split_csv(line);
    if (header.empty()) {
      if (cells.empty() || cells[0] != "epoch")
        throw DataError(file, number,
                        "a history CSV starts with an 'epoch' column (yamlnet and Keras's CSVLogger)");
      header = cells;
      h.names.assign(header.begin() + 1, header.end());
      continue;
    }
    if (cells.size() != header.size())
      throw DataError(
          file, number,
          std::to_string(cells.size()) + " fields where the header has " + std::to_string(header.size()));
    double epoch = 0;
    try {
      epoch = std::stod(cells[0]) + 1;  // Keras counts epochs from 0 in the file, people from 1
    } catch (const std::exception&) {
      throw DataError(file, number, "epoch '" + cells[0] + "' is not a number");
    }
    if (!std::isfinite(epoch) || std::abs(epoch) > 1e9)
      throw DataError(file, number, "epoch '" + cells[0] + "' is not an epoch number");
    ++rows;
    for (size_t c = 1; c < cells.size(); ++c) {
      if (cells[c].empty()) continue;
      double v = 0;
      try {
        v = std::stod(cells[c]);
      } catch (const std::exception&) {
        throw DataError(file, number, "column '" + header[c] + "': '" + cells[c] + "' is not a number");
      }
      if (!std::isfinite(v)) continue;
      h.series[header[c]].epochs.push_back(epoch);
      h.series[header[c]].values.push_back(v);
    }
  }
  if (header.empty()) throw DataError(file, "the file is empty");
  if (rows == 0) throw DataError(file, "the history has no rows: no epoch finished");
  if (h.series.empty())
    throw DataError(file, "the history has no finite value to draw (every value is NaN, inf or empty)");
  return h;
}

// About five round tick values covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / magnitude < 2   ? 2 * magnitude
                      : raw / magnitude < 5 ? 5 * magnitude
                                            : 10 * magnitude;
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"};

}  // namespace

std::string history_svg(const std::string& csv_text, const std::string& source_name) {
  const History h = read_history(csv_text, source_name);
  // One panel per quantity: loss first, then the metrics, each with its val_ twin.
  std::vector<std::string> quantities;
  for (const auto& n : h.names) {
    const std::string base = n.rfind("val_", 0) == 0 ? n.substr(4) : n;
    if (std::find(quantities.begin(), quantities.end(), base) == quantities.end()) quantities.push_back(base);
  }
  std::stable_partition(quantities.begin(), quantities.end(),
                        [](const std::string& q) { return q == "loss"; });
  if (quantities.empty()) throw DataError(source_name, "the history has no columns besides 'epoch'");

  const double width = 720, panel_h = 260, left = 80, right = 30, top = 50, gap = 60;
  const double plot_w = width - left - right, plot_h = panel_h - 50;
  const double height = top + quantities.size() * (panel_h + gap);
  std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
      "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
      "\" font-family=\"Helvetica, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n"
      "<text x=\"" +
      num(width / 2) +
      "\" y=\"28\" font-size=\"16\" text-anchor=\"middle\">Training history: " + xml(source_name) +
      "</text>\n";
  for (size_t q = 0; q < quantities.size(); ++q) {
    const std::string& name = quantities[q];
    const double y0 = top + q * (panel_h + gap);
    std::vector<std::pair<std::string, const Series*>> lines;
    for (const std::string& column : {name, "val_" + name})
      if (h.series.count(column)) lines.emplace_back(column, &h.series.at(column));
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
    for (const auto& [column, s] : lines)
      for (size_t i = 0; i < s->values.size(); ++i) {
        x_lo = std::min(x_lo, s->epochs[i]), x_hi = std::max(x_hi, s->epochs[i]);
        y_lo = std::min(y_lo, s->values[i]), y_hi = std::max(y_hi, s->values[i]);
      }
    if (lines.empty() || !std::isfinite(x_lo)) continue;
    if (x_hi == x_lo) x_lo -= 1, x_hi += 1;
    const double pad = y_hi == y_lo ? std::max(std::abs(y_hi) * 0.1, 1e-3) : (y_hi - y_lo) * 0.08;
    y_lo -= pad, y_hi += pad;
    auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * plot_w; };
    auto py = [&](double y) { return y0 + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h; };
    const std::string color = kColors[q % (sizeof kColors / sizeof kColors[0])];
    svg += "<g>\n<rect x=\"" + num(left) + "\" y=\"" + num(y0) + "\" width=\"" + num(plot_w) +
           "\" height=\"" + num(plot_h) + "\" fill=\"none\" stroke=\"#444\"/>\n";
    for (double t : ticks(y_lo, y_hi))
      svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + plot_w) + "\" y1=\"" + num(py(t)) +
             "\" y2=\"" + num(py(t)) + "\" stroke=\"#ddd\"/>\n<text x=\"" + num(left - 6) + "\" y=\"" +
             num(py(t) + 4) + "\" font-size=\"11\" text-anchor=\"end\">" + num(t) + "</text>\n";
    for (double t : ticks(x_lo, x_hi))
      if (t == std::floor(t))
        svg += "<line x1=\"" + num(px(t)) + "\" x2=\"" + num(px(t)) + "\" y1=\"" + num(y0 + plot_h) +
               "\" y2=\"" + num(y0 + plot_h + 5) + "\" stroke=\"#444\"/>\n<text x=\"" + num(px(t)) +
               "\" y=\"" + num(y0 + plot_h + 18) + "\" font-size=\"11\" text-anchor=\"middle\">" + num(t) +
               "</text>\n";
    svg += "<text x=\"" + num(left + plot_w / 2) + "\" y=\"" + num(y0 + plot_h + 36) +
           "\" font-size=\"12\" text-anchor=\"middle\">epoch</text>\n<text transform=\"translate(" +
           num(left - 52) + "," + num(y0 + plot_h / 2) +
           ") rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">" + xml(name) + "</text>\n";
    double legend_y = y0 + 16;
    for (const auto& [column, s] : lines) {
      const bool validation = column.rfind("val_", 0) == 0;
      const std::string dash = validation ? " stroke-dasharray=\"6,4\"" : "";
      std::string points;
      for (size_t i = 0; i < s->values.size(); ++i)
        points += num(px(s->epochs[i])) + "," + num(py(s->values[i])) + " ";
      svg += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\"" + dash + " points=\"" +
             points + "\"/>\n";
      for (size_t i = 0; i < s->values.size(); ++i)
        svg += "<circle cx=\"" + num(px(s->epochs[i])) + "\" cy=\"" + num(py(s->values[i])) +
               "\" r=\"2.5\" fill=\"" + color + "\"/>\n";
      const double lx = left + plot_w - 150;
      svg += "<line x1=\"" + num(lx) + "\" x2=\"" + num(lx + 28) + "\" y1=\"" + num(legend_y) + "\" y2=\"" +
             num(legend_y) + "\" stroke=\"" + color + "\" stroke-width=\"2\"" + dash + "/>\n<text x=\"" +
             num(lx + 34) + "\" y=\"" + num(legend_y + 4) + "\" font-size=\"12\">" + xml(column) +
             "</text>\n";
      legend_y += 18;
    }
    svg += "</g>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace yamlnet
