#include "layers/layer.hpp"

#include "interpreter/core/errors.hpp"

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

Parameter& Layer::add_param(std::string name, Shape shape, Value initializer, const Value& regularizer,
                            const Value& constraint) {
  Parameter p;
  p.name = std::move(name);
  p.shape = shape;
  p.value.resize(shape);
  p.grad.resize(shape);
  p.initializer = std::move(initializer);
  p.regularizer = Regularizer::from_value(regularizer);
  p.constraint = Constraint::from_value(constraint);
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
