#include "interpreter/core/tensor.hpp"

namespace yamlnet {

Index shape_size(const Shape& shape) {
  Index n = 1;
  for (Index d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& per_sample, bool batch) {
  std::string out = "(";
  bool first = true;
  if (batch) {
    out += "None";
    first = false;
  }
  for (Index d : per_sample) {
    if (!first) out += ", ";
    out += std::to_string(d);
    first = false;
  }
  if (!batch && per_sample.size() == 1) out += ",";
  return out + ")";
}

Shape with_batch(Index batch, const Shape& per_sample) {
  Shape s;
  s.reserve(per_sample.size() + 1);
  s.push_back(batch);
  s.insert(s.end(), per_sample.begin(), per_sample.end());
  return s;
}

}  // namespace yamlnet
