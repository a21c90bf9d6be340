#pragma once
// Central finite differences in double precision against each layer's backward pass (Caffe's GradientChecker,
// mlpack's CheckGradient): for a random projection L = sum(w * y), compare dL/dinput and dL/dparam.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "layers/registry.hpp"

namespace yamlnet::testing {

// A layer of `type` made from YAML arguments (e.g. "{units: 3, activation: tanh}") and built for the shapes,
// with the defaults and formulas of keras_version.
std::unique_ptr<Layer> make_layer(const std::string& type, const std::string& yaml_args,
                                  const std::vector<Shape>& per_sample, uint64_t seed = 1,
                                  int keras_version = 2);

// Random values in [lo, hi) for a batch of `batch` samples of `per_sample` shape.
Tensor random_tensor(Index batch, const Shape& per_sample, uint64_t seed, double lo = -1.0, double hi = 1.0);

struct GradcheckOptions {
  Mode mode = Mode::Inference;
  uint64_t rng_seed = 7;  // re-used for every forward pass, so dropout draws the same mask each time
  double epsilon = 1e-5;
  double tolerance = 1e-6;
  std::vector<const Tensor*> masks;  // input masks (nullptr entries for none)
};

// Checks every input element (for inputs that take gradients) and every parameter element.
void check_gradients(Layer& layer, std::vector<Tensor> inputs, const GradcheckOptions& options = {});

}  // namespace yamlnet::testing
