// The training curves: one SVG chart per figure the runs logged per epoch.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "interpreter/report/report_parts.hpp"

namespace yamlnet {

namespace {

constexpr double kWidth = 520, kHeight = 240, kLeft = 56, kRight = 12, kTop = 14, kBottom = 30;

std::vector<std::string> history_names(const std::vector<RunRecord>& runs) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& run : runs)
    for (const auto& epoch : run.history)
      for (const auto& [name, value] : epoch.items())
        if (name != "epoch" && value.is_number() && seen.insert(name).second) names.push_back(name);
  return names;
}

std::string chart(const std::vector<RunRecord>& runs, const std::string& name) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  int epochs = 1;
  for (const auto& run : runs)
    for (const auto& e : run.history) {
      epochs = std::max(epochs, e.value("epoch", 1));
      if (e.contains(name) && e[name].is_number() && std::isfinite(e[name].get<double>())) {
        lo = std::min(lo, e[name].get<double>());
        hi = std::max(hi, e[name].get<double>());
      }
    }
  if (!std::isfinite(lo)) return "";
  if (hi == lo) hi = lo + (lo == 0 ? 1 : std::abs(lo) * 0.1);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto x_of = [&](int epoch) {
    return kLeft + (epochs == 1 ? plot_w / 2 : plot_w * (epoch - 1) / (epochs - 1));
  };
  auto y_of = [&](double v) { return kTop + plot_h * (1 - (v - lo) / (hi - lo)); };
  std::string svg = "<figure class=\"chart\"><figcaption>" + html_escape(name) +
                    "</figcaption><svg class=\"curve\" data-metric=\"" + html_escape(name) +
                    "\" viewBox=\"0 0 " + svg_number(kWidth) + " " + svg_number(kHeight) + "\" width=\"" +
                    svg_number(kWidth) + "\" height=\"" + svg_number(kHeight) + "\" role=\"img\">";
  // Axes with the range's ends and middle, and the first, middle and last epoch.
  svg += "<g class=\"axes\"><line x1=\"" + svg_number(kLeft) + "\" y1=\"" + svg_number(kTop) + "\" x2=\"" +
         svg_number(kLeft) + "\" y2=\"" + svg_number(kTop + plot_h) + "\"/><line x1=\"" + svg_number(kLeft) +
         "\" y1=\"" + svg_number(kTop + plot_h) + "\" x2=\"" + svg_number(kLeft + plot_w) + "\" y2=\"" +
         svg_number(kTop + plot_h) + "\"/>";
  for (double f : {0.0, 0.5, 1.0}) {
    const double v = lo + f * (hi - lo);
    svg += "<text x=\"" + svg_number(kLeft - 4) + "\" y=\"" + svg_number(y_of(v) + 4) +
           "\" text-anchor=\"end\">" + html_escape(svg_number(v)) + "</text>";
  }
  for (int e : std::set<int>{1, (epochs + 1) / 2, epochs})
    svg += "<text x=\"" + svg_number(x_of(e)) + "\" y=\"" + svg_number(kHeight - 10) +
           "\" text-anchor=\"middle\">" + std::to_string(e) + "</text>";
  svg += "</g>";
  for (size_t i = 0; i < runs.size(); ++i) {
    std::string points;
    int count = 0;
    for (const auto& e : runs[i].history)
      if (e.contains(name) && e[name].is_number() && std::isfinite(e[name].get<double>())) {
        points += (points.empty() ? "" : " ") + svg_number(x_of(e.value("epoch", 1))) + "," +
                  svg_number(y_of(e[name].get<double>()));
        ++count;
      }
    if (count == 0) continue;
    const std::string common =
        " class=\"run\" data-run=\"" + html_escape(runs[i].id) + "\" stroke=\"" + run_color(i) + "\"";
    if (count == 1) {
      const auto comma = points.find(',');
      svg += "<circle" + common + " fill=\"" + run_color(i) + "\" r=\"3\" cx=\"" + points.substr(0, comma) +
             "\" cy=\"" + points.substr(comma + 1) + "\"><title>" + html_escape(runs[i].id) +
             "</title></circle>";
    } else {
      svg += "<polyline" + common + " fill=\"none\" points=\"" + points + "\"><title>" +
             html_escape(runs[i].id) + "</title></polyline>";
    }
  }
  return svg + "</svg></figure>";
}

}  // namespace

std::string curves_section(const std::vector<RunRecord>& runs) {
  std::string out = "<section id=\"curves\"><h2>Training curves</h2><div class=\"charts\">";
  const auto names = history_names(runs);
  for (const auto& name : names) out += chart(runs, name);
  if (names.empty()) out += "<p>No run recorded epochs (evaluations have none).</p>";
  return out + "</div></section>";
}

}  // namespace yamlnet
