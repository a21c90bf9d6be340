#include "interpreter/train/losses.hpp"

#include <algorithm>

#include "interpreter/core/errors.hpp"
#include "interpreter/train/loss_entries.hpp"
#include "interpreter/train/sampled_softmax.hpp"

namespace yamlnet {

double Loss::compute(const Tensor& input, const Tensor& target, Tensor& grad, const Tensor* row_weights,
                     Random*) {
  grad.resize(input.shape);
  const Index width = input.last_dim(), rows = input.size() / width, target_cols = target_width(width);
  double weight_sum = 0, total = 0;
  for (Index r = 0; r < rows; ++r) {
    const double w = row_weights ? static_cast<double>(row_weights->data[r]) : 1.0;
    Real* g = grad.ptr() + r * width;
    if (w == 0.0) {
      std::fill_n(g, width, Real(0));
      continue;
    }
    total += w * row_loss(input.ptr() + r * width, target.ptr() + r * target_cols, g, width);
    weight_sum += w;
    if (w != 1.0)
      for (Index c = 0; c < width; ++c) g[c] = static_cast<Real>(g[c] * w);
  }
  if (weight_sum == 0.0) return 0.0;  // every step masked: nothing to learn from this batch
  const Real scale = static_cast<Real>(1.0 / weight_sum);
  grad.array() *= scale;
  return total / weight_sum;
}

double Loss::value(const Tensor& input, const Tensor& target, const Tensor* row_weights) {
  return compute(input, target, unread_grad_, row_weights, nullptr);
}

const KindRegistry<Loss>& loss_registry() {
  static const KindRegistry<Loss> registry = [] {
    std::vector<LossEntry> entries = regression_loss_entries();
    for (auto* group : {&crossentropy_loss_entries, &hinge_loss_entries})
      for (LossEntry& e : group()) entries.push_back(std::move(e));
    entries.push_back(
        {{"sampled_softmax",
          "TF's sampled_softmax_loss: the output vector scored against an item Embedding table; "
          "sampled in training, full softmax in evaluation; targets are item ids",
          sampled_softmax_args()},
         [](const Value& spec) { return std::make_unique<SampledSoftmax>(spec); }});
    return KindRegistry<Loss>{"loss", std::move(entries)};
  }();
  return registry;
}

const FunctionFamily& loss_family() {
  return loss_registry().family();
}

std::unique_ptr<Loss> Loss::create(const Value& spec) {
  return loss_registry().create(spec);
}

}  // namespace yamlnet
