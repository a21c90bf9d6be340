#include "interpreter/train/losses.hpp"

#include <algorithm>
#include <cmath>

#include "interpreter/core/errors.hpp"
#include "interpreter/spec/kind_registry.hpp"
#include "interpreter/train/sampled_softmax.hpp"

namespace yamlnet {

namespace {

// Keras's backend epsilon: probabilities are clipped to [eps, 1 - eps] before the log.
constexpr double kProbabilityEpsilon = 1e-7;

std::vector<ArgSpec> logits_args() {
  return {bool_arg("from_logits", false, "the output is logits, not probabilities")};
}

class MeanError : public Loss {
 public:
  MeanError(std::string name, bool squared) : Loss(std::move(name)), squared_(squared) {}
  bool takes_logits_of(const std::string&) const override { return false; }

 protected:
  double row_loss(const Real* pred, const Real* target, Real* grad, Index width) const override {
    const double scale = 1.0 / static_cast<double>(width);
    double total = 0;
    for (Index i = 0; i < width; ++i) {
      const double diff = static_cast<double>(pred[i]) - target[i];
      total += squared_ ? diff * diff : std::abs(diff);
      const double d = squared_ ? 2.0 * diff : (diff > 0 ? 1.0 : (diff < 0 ? -1.0 : 0.0));
      grad[i] = static_cast<Real>(d * scale);
    }
    return total * scale;
  }

 private:
  bool squared_;
};

class BinaryCrossentropy : public Loss {
 public:
  explicit BinaryCrossentropy(bool from_logits) : Loss("binary_crossentropy") {
    from_logits_arg_ = from_logits;
    logits_input_ = from_logits;
  }
  bool takes_logits_of(const std::string& activation) const override { return activation == "sigmoid"; }

 protected:
  // Keras averages over the last axis.
  double row_loss(const Real* in, const Real* target, Real* grad, Index width) const override {
    const double scale = 1.0 / static_cast<double>(width);
    double total = 0;
    for (Index i = 0; i < width; ++i) {
      const double y = target[i];
      if (logits_input_) {
        const double z = in[i];
        total += std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));
        const double p = z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
        grad[i] = static_cast<Real>((p - y) * scale);
      } else {
        const double raw = in[i];
        const double p = std::clamp(raw, kProbabilityEpsilon, 1.0 - kProbabilityEpsilon);
        total +=
            -(y * std::log(p + kProbabilityEpsilon) + (1.0 - y) * std::log(1.0 - p + kProbabilityEpsilon));
        const bool inside = raw > kProbabilityEpsilon && raw < 1.0 - kProbabilityEpsilon;
        const double d = -(y / (p + kProbabilityEpsilon) - (1.0 - y) / (1.0 - p + kProbabilityEpsilon));
        grad[i] = static_cast<Real>(inside ? d * scale : 0.0);
      }
    }
    return total * scale;
  }
};

// Categorical cross-entropy with one-hot (dense) or integer (sparse) targets.
class CategoricalCrossentropy : public Loss {
 public:
  CategoricalCrossentropy(std::string name, bool sparse, bool from_logits)
      : Loss(std::move(name)), sparse_(sparse) {
    from_logits_arg_ = from_logits;
    logits_input_ = from_logits;
  }
  bool takes_logits_of(const std::string& activation) const override { return activation == "softmax"; }
  Index target_width(Index width) const override { return sparse_ ? 1 : width; }

 protected:
  double row_loss(const Real* x, const Real* t, Real* g, Index width) const override {
    auto y = [&](Index c) { return sparse_ ? (static_cast<Index>(t[0]) == c ? 1.0 : 0.0) : double(t[c]); };
    double total = 0;
    if (logits_input_) {
      double top = x[0];
      for (Index c = 1; c < width; ++c) top = std::max(top, double(x[c]));
      double sum = 0;
      for (Index c = 0; c < width; ++c) sum += std::exp(x[c] - top);
      const double lse = top + std::log(sum);
      double y_sum = 0;
      for (Index c = 0; c < width; ++c) {
        total -= y(c) * (x[c] - lse);
        y_sum += y(c);
      }
      for (Index c = 0; c < width; ++c) g[c] = static_cast<Real>(std::exp(x[c] - lse) * y_sum - y(c));
      return total;
    }
    // Keras renormalises the probabilities, clips them, and takes -sum(y log p).
    double sum = 0;
    for (Index c = 0; c < width; ++c) sum += x[c];
    double inner = 0;  // sum_j dL/dq_j * q_j
    for (Index c = 0; c < width; ++c) {
      const double q = x[c] / sum;
      const double qc = std::clamp(q, kProbabilityEpsilon, 1.0 - kProbabilityEpsilon);
      total -= y(c) * std::log(qc);
      const double dq = (q > kProbabilityEpsilon && q < 1.0 - kProbabilityEpsilon) ? -y(c) / qc : 0.0;
      g[c] = static_cast<Real>(dq);
      inner += dq * q;
    }
    for (Index c = 0; c < width; ++c) g[c] = static_cast<Real>((g[c] - inner) / sum);
    return total;
  }

 private:
  bool sparse_;
};

}  // namespace

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

namespace {

bool from_logits(const Value& spec) {
  const Value* v = spec.arg("from_logits");
  return v && v->b;
}

}  // namespace

const KindRegistry<Loss>& loss_registry() {
  static const KindRegistry<Loss> registry{
      "loss",
      {
          {{"mean_squared_error", "mean((y_pred - y_true)^2) over the last axis", {}, {"mse", "MSE"}},
           [](const Value&) { return std::make_unique<MeanError>("mean_squared_error", true); }},
          {{"mean_absolute_error", "mean(|y_pred - y_true|) over the last axis", {}, {"mae", "MAE"}},
           [](const Value&) { return std::make_unique<MeanError>("mean_absolute_error", false); }},
          {{"binary_crossentropy",
            "binary cross-entropy, averaged over the last axis",
            logits_args(),
            {"bce", "BCE"}},
           [](const Value& spec) { return std::make_unique<BinaryCrossentropy>(from_logits(spec)); }},
          {{"categorical_crossentropy", "cross-entropy with one-hot targets", logits_args()},
           [](const Value& spec) {
             return std::make_unique<CategoricalCrossentropy>("categorical_crossentropy", false,
                                                              from_logits(spec));
           }},
          {{"sparse_categorical_crossentropy", "cross-entropy with integer class targets", logits_args()},
           [](const Value& spec) {
             return std::make_unique<CategoricalCrossentropy>("sparse_categorical_crossentropy", true,
                                                              from_logits(spec));
           }},
          {{"sampled_softmax",
            "TF's sampled_softmax_loss: the output vector scored against an item Embedding table; sampled "
            "in training, full softmax in evaluation; targets are item ids",
            sampled_softmax_args()},
           [](const Value& spec) { return std::make_unique<SampledSoftmax>(spec); }},
      }};
  return registry;
}

const FunctionFamily& loss_family() {
  return loss_registry().family();
}

std::unique_ptr<Loss> Loss::create(const Value& spec) {
  return loss_registry().create(spec);
}

}  // namespace yamlnet
