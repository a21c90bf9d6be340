// Keras's hinge, squared_hinge and categorical_hinge.
#include <algorithm>

#include "interpreter/train/loss_entries.hpp"

namespace yamlnet {

namespace {

// mean(max(1 - y_true * y_pred, 0)) over the last axis, or its square. As Keras does, targets are read as
// -1/1 when every target of the batch is 0 or 1 (0 becomes -1).
class Hinge : public Loss {
 public:
  Hinge(std::string name, bool squared) : Loss(std::move(name)), squared_(squared) {}
  bool takes_logits_of(const std::string&) const override { return false; }
  double compute(const Tensor& input, const Tensor& target, Tensor& grad, const Tensor* row_weights,
                 Random* sampling) override {
    zero_one_targets_ = std::all_of(target.data.begin(), target.data.end(),
                                    [](Real t) { return t == Real(0) || t == Real(1); });
    return Loss::compute(input, target, grad, row_weights, sampling);
  }

 protected:
  double row_loss(const Real* p, const Real* t, Real* g, Index width) const override {
    const double scale = 1.0 / static_cast<double>(width);
    double total = 0;
    for (Index i = 0; i < width; ++i) {
      const double y = zero_one_targets_ ? 2.0 * t[i] - 1.0 : double(t[i]);
      const double margin = std::max(1.0 - y * p[i], 0.0);
      total += squared_ ? margin * margin : margin;
      const double d = margin > 0 ? (squared_ ? -2.0 * margin * y : -y) : 0.0;
      g[i] = static_cast<Real>(d * scale);
    }
    return total * scale;
  }

 private:
  bool squared_;
  bool zero_one_targets_ = false;
};

// max(max_j((1 - y_j) * p_j) - sum_j(y_j * p_j) + 1, 0) with one-hot targets.
class CategoricalHinge : public Loss {
 public:
  CategoricalHinge() : Loss("categorical_hinge") {}
  bool takes_logits_of(const std::string&) const override { return false; }

 protected:
  double row_loss(const Real* p, const Real* t, Real* g, Index width) const override {
    double positive = 0;
    Index top = 0;
    for (Index i = 0; i < width; ++i) {
      positive += double(t[i]) * p[i];
      if ((1.0 - t[i]) * p[i] > (1.0 - t[top]) * p[top]) top = i;
    }
    const double negative = (1.0 - t[top]) * p[top];
    const double loss = std::max(negative - positive + 1.0, 0.0);
    for (Index i = 0; i < width; ++i) g[i] = static_cast<Real>(loss > 0 ? -double(t[i]) : 0.0);
    if (loss > 0) g[top] = static_cast<Real>(g[top] + (1.0 - t[top]));
    return loss;
  }
};

}  // namespace

std::vector<LossEntry> hinge_loss_entries() {
  return {
      {{"hinge", "mean(max(1 - y_true * y_pred, 0)) over the last axis; 0/1 targets are read as -1/1"},
       [](const Value&) { return std::make_unique<Hinge>("hinge", false); }},
      {{"squared_hinge",
        "mean(max(1 - y_true * y_pred, 0)^2) over the last axis; 0/1 targets are read as -1/1"},
       [](const Value&) { return std::make_unique<Hinge>("squared_hinge", true); }},
      {{"categorical_hinge",
        "max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0), one-hot targets"},
       [](const Value&) { return std::make_unique<CategoricalHinge>(); }},
  };
}

}  // namespace yamlnet
