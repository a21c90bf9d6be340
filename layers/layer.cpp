#include "layers/layer.hpp"

#include <algorithm>
#include <cstdio>

#include "interpreter/core/errors.hpp"
#include "interpreter/core/threads.hpp"

namespace yamlnet {

void Layer::compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                          std::vector<bool>& has_mask) const {
  for (size_t o = 0; o < has_mask.size(); ++o) has_mask[o] = false;
  if (!supports_masking() || in.masks.empty() || in.masks[0] == nullptr) return;
  for (size_t o = 0; o < has_mask.size(); ++o) {
    output_masks[o].resize(in.masks[0]->shape);
    output_masks[o].data.assign(in.masks[0]->data.begin(), in.masks[0]->data.end());
    has_mask[o] = true;
  }
}

namespace {
thread_local ParameterBudget* current_budget = nullptr;

std::string bytes_text(double bytes) {
  char buf[64];
  if (bytes >= 1e9)
    std::snprintf(buf, sizeof buf, "%.3g GB", bytes / 1e9);
  else
    std::snprintf(buf, sizeof buf, "%.3g MB", bytes / 1e6);
  return buf;
}
}  // namespace

ParameterBudget::ParameterBudget(uint64_t limit_bytes) : limit_(limit_bytes), previous_(current_budget) {
  current_budget = this;
}

ParameterBudget::~ParameterBudget() {
  current_budget = previous_;
}

namespace {

// Bytes of a parameter's value and gradient, counted in double: a product of sizes can overflow 64 bits.
double parameter_bytes(const Shape& shape) {
  double elements = 1;
  for (Index d : shape) elements *= static_cast<double>(d);
  return elements * 2.0 * sizeof(Real);
}

}  // namespace

void ParameterBudget::check(const std::vector<std::pair<std::string, Shape>>& weights) {
  ParameterBudget* budget = current_budget;
  const double limit = budget ? static_cast<double>(budget->limit_) : 9.2e18;
  double used = budget ? static_cast<double>(budget->used_) : 0.0;
  for (const auto& [name, shape] : weights) {
    const double bytes = parameter_bytes(shape);
    if (bytes > 9.2e18 / 4 || used + bytes > limit)
      throw ShapeError("weight '" + name + "' " + shape_to_string(shape, false) + " would take " +
                       bytes_text(bytes) + (used > 0 ? " on top of " + bytes_text(used) : std::string()) +
                       ", more than max_memory (" + bytes_text(limit) + ")");
    used += bytes;
  }
}

void ParameterBudget::reserve(const std::string& name, const Shape& shape) {
  check({{name, shape}});
  if (current_budget) current_budget->used_ += static_cast<uint64_t>(parameter_bytes(shape));
}

namespace {
thread_local ShardScope* current_shards = nullptr;
}  // namespace

ShardScope::ShardScope(int rank, int size) : rank_(rank), size_(size), previous_(current_shards) {
  current_shards = this;
}

ShardScope::~ShardScope() {
  current_shards = previous_;
}

std::pair<int, int> ShardScope::current() {
  return current_shards ? std::pair{current_shards->rank_, current_shards->size_} : std::pair{0, 1};
}

Shape full_shape(const Parameter& p) {
  Shape shape = p.shape;
  if (p.shard) shape[0] = p.shard->full_rows;
  return shape;
}

std::pair<Index, Index> own_values(const Parameter& p) {
  const Index width = p.shape.size() == 2 ? p.shape[1] : 1;
  if (!p.shard) return {0, p.value.size()};
  return {p.shard->first_row * width, (p.shard->first_row + p.shape[0]) * width};
}

void Parameter::zero_grad() {
  if (backward_assigns_grad) return;
  if (row_grads) {
    row_grads->clear();
    return;
  }
  Real* g = grad.ptr();
  split_elementwise(grad.size(), [g](Index begin, Index count) { std::fill_n(g + begin, count, Real(0)); });
}

Real Parameter::grad_at(Index i) const {
  if (!row_grads) return grad.data[static_cast<size_t>(i)];
  const Real* row = row_grads->find(i / row_grads->width());
  return row ? row[i % row_grads->width()] : Real(0);
}

WeightArgs WeightArgs::read(const Args& args, const std::string& prefix) {
  return WeightArgs{args.get(prefix + "_initializer"),
                    Regularizer::from_value(args.get(prefix + "_regularizer")),
                    Constraint::from_value(args.get(prefix + "_constraint"))};
}

Parameter& Layer::add_param(std::string name, Shape shape, Value initializer, const Value& regularizer,
                            const Value& constraint) {
  return add_param(std::move(name), std::move(shape),
                   WeightArgs{std::move(initializer), Regularizer::from_value(regularizer),
                              Constraint::from_value(constraint)});
}

Parameter& Layer::add_param(std::string name, Shape shape, WeightArgs&& weight) {
  ParameterBudget::reserve(name, shape);
  Parameter p;
  p.name = std::move(name);
  p.shape = shape;
  p.value.resize(shape);
  // The gradient is allocated by the executor: checking a config (validate, summary) never needs it.
  p.initializer = std::move(weight.initializer);
  p.regularizer = std::move(weight.regularizer);
  p.constraint = std::move(weight.constraint);
  params_.push_back(std::move(p));
  return params_.back();
}

void Layer::collect_params(std::vector<ParamSlot>& out, const std::string& prefix) {
  for (auto& p : params_) out.push_back(ParamSlot{prefix + p.name, &p});
}

Index Layer::count_params() {
  std::vector<ParamSlot> slots;
  collect_params(slots, "");
  Index total = 0;
  for (const auto& s : slots) total += s.param->value.size();
  return total;
}

void expect_inputs(const std::vector<Shape>& shapes, size_t count) {
  if (shapes.size() != count)
    throw ShapeError("expects " + std::to_string(count) + " input" + (count == 1 ? "" : "s") + ", got " +
                     std::to_string(shapes.size()));
}

}  // namespace yamlnet
