// Keras's cross-entropies: binary, categorical (one-hot or integer targets) and their focal forms, with
// label smoothing. On a sigmoid/softmax output they read the logits, as Keras's TF backend does.
#include <algorithm>
#include <cmath>

#include "interpreter/train/loss_entries.hpp"

namespace yamlnet {

namespace {

constexpr double eps = kLossEpsilon;

double sigmoid(double z) {
  return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}

// Keras 2's elementwise binary cross-entropy of a logit, or of a probability clipped to [eps, 1 - eps] with
// eps added inside the logs; writes the derivative by the input (0 where the clip holds it).
double binary_term(double in, double y, bool logits, double& d) {
  if (logits) {
    d = sigmoid(in) - y;
    return std::max(in, 0.0) - in * y + std::log1p(std::exp(-std::abs(in)));
  }
  const double p = std::clamp(in, eps, 1.0 - eps);
  const bool inside = in > eps && in < 1.0 - eps;
  d = inside ? -(y / (p + eps) - (1.0 - y) / (1.0 - p + eps)) : 0.0;
  return -(y * std::log(p + eps) + (1.0 - y) * std::log(1.0 - p + eps));
}

std::vector<ArgSpec> crossentropy_args(bool smoothing) {
  std::vector<ArgSpec> args{bool_arg("from_logits", false, "the output is logits, not probabilities")};
  if (smoothing)
    args.push_back(float_arg("label_smoothing", 0.0,
                             "squeeze the targets towards uniform: y (1 - s) + s / classes (binary: s / 2)",
                             0.0, 1.0));
  return args;
}

std::vector<ArgSpec> focal_args(bool class_balancing) {
  std::vector<ArgSpec> args = crossentropy_args(true);
  if (class_balancing)
    args.push_back(
        bool_arg("apply_class_balancing", false, "weight class 1 by alpha and class 0 by 1 - alpha"));
  args.push_back(float_arg("alpha", 0.25,
                           "weight of the loss (binary: of class 1, with apply_class_balancing)", 0.0, 1.0));
  args.push_back(float_arg("gamma", 2.0, "focusing parameter: (1 - p_t)^gamma scales each term", 0.0));
  return args;
}

class CrossentropyBase : public Loss {
 protected:
  CrossentropyBase(std::string name, const Value& spec) : Loss(std::move(name)) {
    const Value* v = spec.arg("from_logits");
    from_logits_arg_ = v && v->b;
    logits_input_ = from_logits_arg_;
    if (spec.arg("label_smoothing")) smoothing_ = spec.number_arg("label_smoothing");
  }
  double smoothing_ = 0;
};

// Binary cross-entropy, averaged over the last axis; with focal: Keras's binary_focal_crossentropy, each
// term scaled by (1 - p_t)^gamma (p_t: the probability given to the target) and, with class balancing, by
// alpha for class 1 and 1 - alpha for class 0.
class BinaryCrossentropy : public CrossentropyBase {
 public:
  BinaryCrossentropy(std::string name, const Value& spec, bool focal)
      : CrossentropyBase(std::move(name), spec), focal_(focal) {
    if (!focal) return;
    gamma_ = spec.number_arg("gamma");
    if (spec.arg("apply_class_balancing")->b) alpha_ = spec.number_arg("alpha");
  }
  bool takes_logits_of(const std::string& activation) const override { return activation == "sigmoid"; }

 protected:
  double row_loss(const Real* in, const Real* target, Real* grad, Index width) const override {
    const double scale = 1.0 / static_cast<double>(width);
    double total = 0;
    for (Index i = 0; i < width; ++i) {
      const double y = target[i] * (1.0 - smoothing_) + 0.5 * smoothing_;
      double d = 0;
      double term = binary_term(in[i], y, logits_input_, d);
      if (focal_) {
        // Keras's focal factor reads the probability itself, unclipped.
        const double p = logits_input_ ? sigmoid(in[i]) : double(in[i]);
        const double dp = logits_input_ ? p * (1.0 - p) : 1.0;
        const double base = 1.0 - (y * p + (1.0 - y) * (1.0 - p));
        const double factor = std::pow(base, gamma_);
        const double d_factor =
            base > 0 ? -gamma_ * std::pow(base, gamma_ - 1.0) * (2.0 * y - 1.0) * dp : 0.0;
        const double weight = alpha_ < 0 ? 1.0 : y * alpha_ + (1.0 - y) * (1.0 - alpha_);
        d = weight * (d_factor * term + factor * d);
        term *= weight * factor;
      }
      total += term;
      grad[i] = static_cast<Real>(d * scale);
    }
    return total * scale;
  }

 private:
  bool focal_;
  double gamma_ = 0;
  double alpha_ = -1;  // negative: no class balancing
};

// Categorical cross-entropy with one-hot (dense) or integer (sparse) targets; with focal: Keras's
// categorical_focal_crossentropy, -alpha * y * (1 - p)^gamma * log(p) summed over the classes.
class CategoricalCrossentropy : public CrossentropyBase {
 public:
  CategoricalCrossentropy(std::string name, const Value& spec, bool sparse, bool focal)
      : CrossentropyBase(std::move(name), spec), sparse_(sparse), focal_(focal) {
    if (!focal) return;
    gamma_ = spec.number_arg("gamma");
    alpha_ = spec.number_arg("alpha");
  }
  bool takes_logits_of(const std::string& activation) const override { return activation == "softmax"; }
  Index target_width(Index width) const override { return sparse_ ? 1 : width; }

 protected:
  double row_loss(const Real* x, const Real* t, Real* g, Index width) const override {
    auto y = [&](Index c) {
      const double hot = sparse_ ? (static_cast<Index>(t[0]) == c ? 1.0 : 0.0) : double(t[c]);
      return hot * (1.0 - smoothing_) + smoothing_ / static_cast<double>(width);
    };
    if (logits_input_ && !focal_) return logits_row(x, g, width, y);
    // q: the probabilities (softmax of logits, or the output renormalised, as Keras does); dq: d(loss)/dq.
    double top = x[0], sum = 0;
    if (logits_input_) {
      for (Index c = 1; c < width; ++c) top = std::max(top, double(x[c]));
      for (Index c = 0; c < width; ++c) sum += std::exp(x[c] - top);
    } else {
      for (Index c = 0; c < width; ++c) sum += x[c];
    }
    double total = 0, inner = 0;  // inner: sum_c dq_c q_c
    for (Index c = 0; c < width; ++c) {
      const double q = logits_input_ ? std::exp(x[c] - top) / sum : x[c] / sum;
      const double qc = std::clamp(q, eps, 1.0 - eps);
      const bool inside = q > eps && q < 1.0 - eps;
      double term = -y(c) * std::log(qc), dq = inside ? -y(c) / qc : 0.0;
      if (focal_) {
        const double factor = alpha_ * std::pow(1.0 - qc, gamma_);
        const double d_factor = alpha_ * gamma_ * std::pow(1.0 - qc, gamma_ - 1.0);
        dq = inside ? factor * dq - d_factor * term : 0.0;
        term *= factor;
      }
      total += term;
      g[c] = static_cast<Real>(dq);
      inner += dq * q;
    }
    // Through the softmax: q_c (dq_c - inner); through the renormalisation: (dq_c - inner) / sum.
    for (Index c = 0; c < width; ++c) {
      const double q = logits_input_ ? std::exp(x[c] - top) / sum : 0.0;
      g[c] = static_cast<Real>(logits_input_ ? q * (g[c] - inner) : (g[c] - inner) / sum);
    }
    return total;
  }

 private:
  // -sum(y log softmax(x)) by the log-sum-exp, unclipped, as TF's softmax_cross_entropy_with_logits.
  template <class Target>
  static double logits_row(const Real* x, Real* g, Index width, Target&& y) {
    double top = x[0];
    for (Index c = 1; c < width; ++c) top = std::max(top, double(x[c]));
    double sum = 0;
    for (Index c = 0; c < width; ++c) sum += std::exp(x[c] - top);
    const double lse = top + std::log(sum);
    double total = 0, y_sum = 0;
    for (Index c = 0; c < width; ++c) {
      total -= y(c) * (x[c] - lse);
      y_sum += y(c);
    }
    for (Index c = 0; c < width; ++c) g[c] = static_cast<Real>(std::exp(x[c] - lse) * y_sum - y(c));
    return total;
  }

  bool sparse_, focal_;
  double gamma_ = 0, alpha_ = 1;
};

}  // namespace

std::vector<LossEntry> crossentropy_loss_entries() {
  return {
      {{"binary_crossentropy",
        "binary cross-entropy, averaged over the last axis",
        crossentropy_args(true),
        {"bce", "BCE"}},
       [](const Value& spec) {
         return std::make_unique<BinaryCrossentropy>("binary_crossentropy", spec, false);
       }},
      {{"categorical_crossentropy", "cross-entropy with one-hot targets", crossentropy_args(true)},
       [](const Value& spec) {
         return std::make_unique<CategoricalCrossentropy>("categorical_crossentropy", spec, false, false);
       }},
      {{"sparse_categorical_crossentropy", "cross-entropy with integer class targets",
        crossentropy_args(false)},
       [](const Value& spec) {
         return std::make_unique<CategoricalCrossentropy>("sparse_categorical_crossentropy", spec, true,
                                                          false);
       }},
      {{"binary_focal_crossentropy",
        "binary cross-entropy with each term scaled by (1 - p_t)^gamma, averaged over the last axis",
        focal_args(true)},
       [](const Value& spec) {
         return std::make_unique<BinaryCrossentropy>("binary_focal_crossentropy", spec, true);
       }},
      {{"categorical_focal_crossentropy",
        "-alpha * y_true * (1 - p)^gamma * log(p) summed over the classes, one-hot targets",
        focal_args(false)},
       [](const Value& spec) {
         return std::make_unique<CategoricalCrossentropy>("categorical_focal_crossentropy", spec, false,
                                                          true);
       }},
  };
}

}  // namespace yamlnet
