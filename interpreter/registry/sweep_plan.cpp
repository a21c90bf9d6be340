#include "interpreter/registry/sweep_plan.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "interpreter/core/errors.hpp"
#include "interpreter/core/random.hpp"

namespace yamlnet {

namespace {

// Splits at commas outside brackets and quotes.
std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> out{""};
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{' || c == '(') {
      ++depth;
    } else if (c == ']' || c == '}' || c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  return out;
}

std::pair<std::string, std::string> split_key(const std::string& text, const std::string& option) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw UsageError(option + " '" + text + "': expected KEY=VALUES (fit.batch_size=32,64)");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

double parse_bound(const std::string& text, const std::string& whole) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v))
    throw UsageError("--random '" + whole + "': '" + text + "' is not a number");
  return v;
}

std::string format_draw(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);  // what is recorded is what is used
  return text;
}

}  // namespace

GridAxis parse_grid_axis(const std::string& text) {
  auto [key, values] = split_key(text, "--grid");
  GridAxis axis{key, split_values(values)};
  for (const auto& v : axis.values)
    if (v.empty()) throw UsageError("--grid '" + text + "': an empty value");
  return axis;
}

RandomAxis parse_random_axis(const std::string& text) {
  auto [key, spec] = split_key(text, "--random");
  const auto open = spec.find('(');
  if (open == std::string::npos || spec.back() != ')')
    throw UsageError("--random '" + text +
                     "': expected KEY=int(a,b), uniform(a,b), log(a,b) or choice(x,y,...)");
  RandomAxis axis{key, spec.substr(0, open), 0, 0,
                  split_values(spec.substr(open + 1, spec.size() - open - 2))};
  if (axis.kind == "choice") {
    for (const auto& v : axis.choices)
      if (v.empty()) throw UsageError("--random '" + text + "': an empty choice");
    return axis;
  }
  if (axis.kind != "int" && axis.kind != "uniform" && axis.kind != "log")
    throw UsageError("--random '" + text + "': unknown distribution '" + axis.kind +
                     "' (int, uniform, log or choice)");
  if (axis.choices.size() != 2)
    throw UsageError("--random '" + text + "': " + axis.kind + " takes two bounds");
  axis.low = parse_bound(axis.choices[0], text);
  axis.high = parse_bound(axis.choices[1], text);
  axis.choices.clear();
  if (axis.low > axis.high) throw UsageError("--random '" + text + "': the lower bound is above the upper");
  if (axis.kind == "log" && axis.low <= 0)
    throw UsageError("--random '" + text + "': log needs bounds above 0");
  if (axis.kind == "int" && (axis.low != std::floor(axis.low) || axis.high != std::floor(axis.high)))
    throw UsageError("--random '" + text + "': int takes whole-number bounds");
  // Integers beyond 2^53 are not exact in a double (and would overflow the draw).
  if (axis.kind == "int" &&
      (std::abs(axis.low) > 9007199254740992.0 || std::abs(axis.high) > 9007199254740992.0))
    throw UsageError("--random '" + text + "': int bounds are at most 2^53 in size");
  return axis;
}

std::vector<std::vector<std::string>> plan_trials(const std::vector<GridAxis>& grid,
                                                  const std::vector<RandomAxis>& random, int n,
                                                  std::uint64_t seed) {
  std::vector<std::vector<std::string>> points{{}};
  for (const auto& axis : grid) {
    std::vector<std::vector<std::string>> next;
    for (const auto& point : points)
      for (const auto& v : axis.values) {
        next.push_back(point);
        next.back().push_back(axis.key + "=" + v);
      }
    points = std::move(next);
  }
  if (random.empty()) return points;
  Random rng(seed);
  std::vector<std::vector<std::string>> trials;
  for (const auto& point : points)
    for (int draw = 0; draw < n; ++draw) {
      trials.push_back(point);
      for (const auto& axis : random) {
        std::string value;
        if (axis.kind == "choice")
          value = axis.choices[static_cast<size_t>(rng.below(static_cast<Index>(axis.choices.size())))];
        else if (axis.kind == "int")
          value = std::to_string(static_cast<long long>(axis.low) +
                                 rng.below(static_cast<Index>(axis.high - axis.low) + 1));
        else if (axis.kind == "uniform")
          value = format_draw(rng.uniform(axis.low, axis.high));
        else
          value = format_draw(std::exp(rng.uniform(std::log(axis.low), std::log(axis.high))));
        trials.back().push_back(axis.key + "=" + value);
      }
    }
  return trials;
}

}  // namespace yamlnet
