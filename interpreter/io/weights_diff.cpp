#include "interpreter/io/weights_diff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

#include "interpreter/io/sha256.hpp"

namespace yamlnet {

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Joins pieces (GCC 12 warns falsely, -Wrestrict, on "literal" + std::string temporaries).
std::string cat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  for (auto p : pieces) out.append(p);
  return out;
}

std::string padded(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

TensorDiff compare(const WeightsTensor* a, const WeightsTensor* b, const DiffTolerance& tol) {
  TensorDiff d;
  d.name = a ? a->name : b->name;
  d.in_a = a != nullptr;
  d.in_b = b != nullptr;
  if (a) d.shape_a = a->shape;
  if (b) d.shape_b = b->shape;
  if (!a || !b || a->shape != b->shape) return d;
  d.size = static_cast<Index>(a->data.size());
  double sum_abs = 0, delta_sq = 0, base_sq = 0;
  for (Index i = 0; i < d.size; ++i) {
    const double x = a->data[i], y = b->data[i], delta = std::abs(y - x);
    d.max_abs = std::max(d.max_abs, delta);
    sum_abs += delta;
    delta_sq += delta * delta;
    base_sq += x * x;
    if (delta > tol.atol + tol.rtol * std::abs(x) || std::isnan(delta)) ++d.changed;
  }
  d.mean_abs = d.size ? sum_abs / static_cast<double>(d.size) : 0.0;
  d.relative_l2 = base_sq > 0 ? std::sqrt(delta_sq / base_sq) : std::sqrt(delta_sq);
  if (tol.top > 0 && a->shape.size() == 2 && d.changed > 0) {
    const Index cols = a->shape[1];
    for (Index r = 0; r < a->shape[0]; ++r) {
      double sq = 0;
      for (Index c = 0; c < cols; ++c) {
        const double delta = static_cast<double>(b->data[r * cols + c]) - a->data[r * cols + c];
        sq += delta * delta;
      }
      if (sq > 0) d.top_rows.emplace_back(r, std::sqrt(sq));
    }
    std::stable_sort(d.top_rows.begin(), d.top_rows.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    if (static_cast<Index>(d.top_rows.size()) > tol.top) d.top_rows.resize(static_cast<size_t>(tol.top));
  }
  return d;
}

}  // namespace

bool WeightsDiff::differs() const {
  return std::any_of(tensors.begin(), tensors.end(), [](const TensorDiff& t) { return t.differs(); });
}

WeightsDiff diff_weights(const WeightsFile& a, const WeightsFile& b, const DiffTolerance& tolerance) {
  WeightsDiff out;
  auto find = [](const WeightsFile& f, const std::string& name) -> const WeightsTensor* {
    for (const auto& t : f.tensors)
      if (t.name == name) return &t;
    return nullptr;
  };
  for (const auto& t : a.tensors) out.tensors.push_back(compare(&t, find(b, t.name), tolerance));
  for (const auto& t : b.tensors)
    if (!find(a, t.name)) out.tensors.push_back(compare(nullptr, &t, tolerance));
  return out;
}

std::string format_weights_diff(const WeightsDiff& diff, const DiffTolerance& tolerance) {
  size_t width = 6;
  for (const auto& t : diff.tensors) width = std::max(width, t.name.size());
  std::string out = padded("tensor", width) + "  " + padded("shape", 12) + "  " + padded("max|d|", 12) +
                    "  " + padded("mean|d|", 12) + "  " + padded("rel L2", 12) + "  changed\n";
  std::string notes;
  for (const auto& t : diff.tensors) {
    if (!t.in_b) {
      notes += cat({"- only in A: ", t.name, " ", shape_to_string(t.shape_a, false), "\n"});
      continue;
    }
    if (!t.in_a) {
      notes += cat({"+ only in B: ", t.name, " ", shape_to_string(t.shape_b, false), "\n"});
      continue;
    }
    if (t.shape_a != t.shape_b) {
      notes += cat({"~ shape changed: ", t.name, " ", shape_to_string(t.shape_a, false), " -> ",
                    shape_to_string(t.shape_b, false), "\n"});
      continue;
    }
    out += padded(t.name, width) + "  " + padded(shape_to_string(t.shape_a, false), 12) + "  " +
           padded(number(t.max_abs), 12) + "  " + padded(number(t.mean_abs), 12) + "  " +
           padded(number(t.relative_l2), 12) + "  " + std::to_string(t.changed) + "/" +
           std::to_string(t.size) + "\n";
    if (!t.top_rows.empty()) {
      out += padded("", width) + "  rows that moved most:";
      for (const auto& [row, norm] : t.top_rows)
        out += cat({" ", std::to_string(row), " (", number(norm), ")"});
      out += "\n";
    }
  }
  out += notes;
  out += diff.differs() ? "weights differ" : "weights equal";
  out += cat({" (atol ", number(tolerance.atol), ", rtol ", number(tolerance.rtol), ")\n"});
  return out;
}

std::string weights_summary(const WeightsFile& file) {
  std::string out = cat({"model ", file.model, "\n"});
  for (const auto& t : file.tensors) {
    double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
    for (Real v : t.data) {
      sum += v;
      sq += static_cast<double>(v) * v;
      lo = std::min(lo, static_cast<double>(v));
      hi = std::max(hi, static_cast<double>(v));
    }
    const double n = t.data.empty() ? 1.0 : static_cast<double>(t.data.size());
    const double mean = sum / n;
    const std::string bytes(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(Real));
    out += t.name + " " + shape_to_string(t.shape, false) + " mean " + number(mean) + " std " +
           number(std::sqrt(std::max(0.0, sq / n - mean * mean))) + " min " +
           number(t.data.empty() ? 0 : lo) + " max " + number(t.data.empty() ? 0 : hi) + " l2 " +
           number(std::sqrt(sq)) + " sha256 " + sha256_hex(bytes).substr(0, 12) + "\n";
  }
  return out;
}

}  // namespace yamlnet
