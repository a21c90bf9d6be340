#include "layers/core/dropout.hpp"

#include <algorithm>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

std::vector<Shape> Dropout::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  if (rate_ >= 1.0) throw ShapeError("rate must be < 1 (a rate of 1 drops everything)", "rate");
  return {input_shapes[0]};
}

void Dropout::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) {
  const Tensor& x = *in.values[0];
  outputs[0].resize(x.shape);
  dropped_ = ctx.mode == Mode::Training && rate_ > 0.0 && ctx.rng != nullptr;
  if (!dropped_) {
    outputs[0].array() = x.array();
    return;
  }
  keep_scale_.resize(x.shape);
  const Real scale = static_cast<Real>(1.0 / (1.0 - rate_));
  const Index batch = x.batch(), per_sample = x.size() / std::max<Index>(1, batch);
  const uint64_t salt = fnv1a(name());
  for (Index b = 0; b < batch; ++b) {
    Random draws = ctx.sample_random(salt, b);
    Real* keep = keep_scale_.ptr() + b * per_sample;
    for (Index i = 0; i < per_sample; ++i) keep[i] = draws.uniform() >= rate_ ? scale : Real(0);
  }
  outputs[0].array() = x.array() * keep_scale_.array();
}

void Dropout::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                       std::vector<Tensor*>& d_inputs) {
  if (!d_inputs[0]) return;
  if (dropped_)
    d_inputs[0]->array() += d_outputs[0].array() * keep_scale_.array();
  else
    d_inputs[0]->array() += d_outputs[0].array();
}

LayerInfo dropout_info() {
  LayerInfo info;
  info.type = "Dropout";
  info.doc = "Sets a fraction `rate` of inputs to zero in training and scales the rest by 1/(1-rate).";
  info.args = {required(float_arg("rate", std::nullopt, "fraction of the inputs to drop", 0.0, 1.0)),
               int_arg("seed", std::nullopt, "accepted for Keras compatibility; the model seed is used")};
  info.aliases = {{"p", "rate", ""}};
  info.create = create_layer<Dropout>;
  return info;
}

}  // namespace yamlnet
