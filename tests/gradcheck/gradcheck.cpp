#include "tests/gradcheck/gradcheck.hpp"

#include <cmath>

#include "interpreter/spec/arg_parser.hpp"
#include "layers/functional/initializers.hpp"

namespace yamlnet::testing {

static_assert(sizeof(Real) == sizeof(double), "gradient checks run on the float64 build");

std::unique_ptr<Layer> make_layer(const std::string& type, const std::string& yaml_args,
                                  const std::vector<Shape>& per_sample, uint64_t seed, int keras_version) {
  const LayerInfo* info = builtin_registry().find(type);
  REQUIRE_MESSAGE(info != nullptr, "no layer type " << type);
  DiagnosticSink sink("gradcheck");
  sink.set_keras_version(keras_version);
  const Args args = parse_args(YAML::Load(yaml_args), info->args, info->aliases, {}, sink);
  REQUIRE_MESSAGE(!sink.has_errors(), (sink.has_errors() ? sink.errors()[0].format() : ""));
  auto layer = info->create(type, args);
  layer->build(per_sample);
  // Gradients are allocated by the executor, which these checks do without.
  std::vector<ParamSlot> slots;
  layer->collect_params(slots, "");
  for (auto& slot : slots) slot.param->grad.resize(slot.param->shape);
  Random rng(seed);
  for (auto& p : layer->params()) {
    initialize(p.initializer, p.shape, p.value.ptr(), rng);
    // Zero-initialised biases would hide mistakes in their gradient: give them values too.
    for (auto& v : p.value.data) v += static_cast<Real>(rng.uniform(-0.5, 0.5));
  }
  return layer;
}

Tensor random_tensor(Index batch, const Shape& per_sample, uint64_t seed, double lo, double hi) {
  Tensor t(with_batch(batch, per_sample));
  Random rng(seed);
  for (auto& v : t.data) v = rng.uniform(lo, hi);
  return t;
}

namespace {

double projected_loss(Layer& layer, const LayerInputs& in, std::vector<Tensor>& outputs,
                      const std::vector<Tensor>& weights, const GradcheckOptions& options) {
  Random rng(options.rng_seed);
  layer.forward(in, outputs, RunContext{options.mode, &rng});
  double total = 0;
  for (size_t k = 0; k < outputs.size(); ++k)
    for (Index i = 0; i < outputs[k].size(); ++i) total += weights[k].data[i] * outputs[k].data[i];
  return total;
}

void compare(double analytic, double numeric, double tolerance, const std::string& what) {
  const double scale = std::max({1.0, std::abs(analytic), std::abs(numeric)});
  CHECK_MESSAGE(std::abs(analytic - numeric) <= tolerance * scale,
                what << ": backward " << analytic << ", finite differences " << numeric);
}

}  // namespace

void check_gradients(Layer& layer, std::vector<Tensor> inputs, const GradcheckOptions& options) {
  LayerInputs in;
  for (auto& t : inputs) in.values.push_back(&t);
  in.masks = options.masks;
  in.masks.resize(inputs.size(), nullptr);
  std::vector<Tensor> outputs(layer.num_outputs());
  Random rng(options.rng_seed);
  layer.forward(in, outputs, RunContext{options.mode, &rng});
  std::vector<Tensor> weights;
  for (size_t k = 0; k < outputs.size(); ++k)
    weights.push_back(random_tensor(1, {outputs[k].size()}, 100 + k));

  // Analytic gradients.
  std::vector<Tensor> d_outputs = weights;
  for (size_t k = 0; k < outputs.size(); ++k) d_outputs[k].shape = outputs[k].shape;
  std::vector<Tensor> d_inputs;
  for (auto& t : inputs) {
    d_inputs.emplace_back(t.shape);
    d_inputs.back().set_zero();
  }
  std::vector<Tensor*> d_ptrs;
  for (size_t i = 0; i < inputs.size(); ++i)
    d_ptrs.push_back(layer.input_takes_gradient(i) ? &d_inputs[i] : nullptr);
  for (auto& p : layer.params()) {
    p.grad.set_zero();
    if (p.row_grads) p.row_grads->clear();
  }
  projected_loss(layer, in, outputs, weights, options);
  layer.backward(in, outputs, d_outputs, d_ptrs);

  const double eps = options.epsilon;
  auto numeric = [&](Real& x) {
    const Real saved = x;
    x = saved + eps;
    const double plus = projected_loss(layer, in, outputs, weights, options);
    x = saved - eps;
    const double minus = projected_loss(layer, in, outputs, weights, options);
    x = saved;
    return (plus - minus) / (2 * eps);
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!d_ptrs[i]) continue;
    for (Index j = 0; j < inputs[i].size(); ++j)
      compare(d_inputs[i].data[j], numeric(inputs[i].data[j]), options.tolerance,
              layer.type() + " input " + std::to_string(i) + "[" + std::to_string(j) + "]");
  }
  for (auto& p : layer.params())
    for (Index j = 0; j < p.value.size(); ++j)
      compare(p.grad_at(j), numeric(p.value.data[j]), options.tolerance,
              layer.type() + " " + p.name + "[" + std::to_string(j) + "]");
}

}  // namespace yamlnet::testing
