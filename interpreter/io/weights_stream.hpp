#pragma once
// Reads a weights file in one pass: the header's small values, then each tensor's declared shape, and its
// data straight into the buffer its visitor chooses (or skipped, when nobody wants it).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

struct TensorEntry {
  std::string key;
  Shape shape;               // the declared dimensions, -1 where one is not an integer
  bool shape_valid = false;  // "shape" is an array of at most 32 non-negative integers
};

class TensorVisitor {
 public:
  virtual ~TensorVisitor() = default;
  // Where this tensor's values go (flattened, row-major), or nullptr to skip them. Called once per tensor.
  virtual std::vector<Real>* target(const TensorEntry& entry) = 0;
  // After the values were read into target(): `problem` is empty when they matched the declared shape.
  virtual void done(const TensorEntry& entry, const std::string& problem) = 0;
};

struct WeightsHeader {
  bool is_object = false;
  nlohmann::json format, format_version, model, spec_sha256;  // null when absent
  bool has_weights = false;                                   // a "weights" object was read
};

// Throws WeightsError with file:line:col when the text is not JSON; everything else is for the caller to
// judge.
WeightsHeader read_weights_stream(std::string_view text, const std::string& path, TensorVisitor& visitor);

}  // namespace yamlnet
