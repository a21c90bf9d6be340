#include "interpreter/report/report_parts.hpp"

#include <cmath>
#include <cstdio>

namespace yamlnet {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string run_color(size_t i) {
  const double hue = std::fmod(static_cast<double>(i) * 137.508, 360.0);
  char text[48];
  std::snprintf(text, sizeof text, "hsl(%.0f,70%%,%d%%)", hue, i % 2 ? 35 : 45);
  return text;
}

std::string svg_number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

}  // namespace yamlnet
