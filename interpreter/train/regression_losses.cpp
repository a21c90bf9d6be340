// Losses that compare values: Keras's mean_squared_error, mean_absolute_error, huber, log_cosh, poisson,
// mean_absolute_percentage_error, mean_squared_logarithmic_error, kl_divergence and cosine_similarity,
// with Keras's formulas and epsilons.
#include <algorithm>
#include <cmath>
#include <functional>

#include "interpreter/train/loss_entries.hpp"

namespace yamlnet {

namespace {

constexpr double eps = kLossEpsilon;

double sign(double x) {
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}

// The mean (or, for kl_divergence, the sum) over the last axis of one term per element. `term(pred, target,
// d_pred)` returns the element's term and writes its derivative by the prediction.
class ElementwiseLoss : public Loss {
 public:
  using Term = std::function<double(double pred, double target, double& d_pred)>;
  ElementwiseLoss(std::string name, Term term, bool sum = false)
      : Loss(std::move(name)), term_(std::move(term)), sum_(sum) {}
  bool takes_logits_of(const std::string&) const override { return false; }

 protected:
  double row_loss(const Real* pred, const Real* target, Real* grad, Index width) const override {
    const double scale = sum_ ? 1.0 : 1.0 / static_cast<double>(width);
    double total = 0;
    for (Index i = 0; i < width; ++i) {
      double d = 0;
      total += term_(pred[i], target[i], d);
      grad[i] = static_cast<Real>(d * scale);
    }
    return total * scale;
  }

 private:
  Term term_;
  bool sum_;
};

LossEntry elementwise(FunctionInfo info, std::function<ElementwiseLoss::Term(const Value&)> term,
                      bool sum = false) {
  const std::string name = info.name;
  return {std::move(info), [name, term, sum](const Value& spec) {
            return std::make_unique<ElementwiseLoss>(name, term(spec), sum);
          }};
}

// -sum(l2_normalize(y_true) * l2_normalize(y_pred)) over the last axis, tf.nn.l2_normalize's guard: a vector
// is divided by sqrt(max(sum of squares, 1e-12)).
class CosineSimilarity : public Loss {
 public:
  CosineSimilarity() : Loss("cosine_similarity") {}
  bool takes_logits_of(const std::string&) const override { return false; }

 protected:
  double row_loss(const Real* p, const Real* t, Real* g, Index width) const override {
    constexpr double kSquareFloor = 1e-12;
    double pp = 0, tt = 0, pt = 0;
    for (Index i = 0; i < width; ++i) {
      pp += double(p[i]) * p[i];
      tt += double(t[i]) * t[i];
      pt += double(p[i]) * t[i];
    }
    const bool p_floored = pp <= kSquareFloor;
    const double np = std::sqrt(std::max(pp, kSquareFloor)), nt = std::sqrt(std::max(tt, kSquareFloor));
    const double cosine = pt / (np * nt);
    // d/dp of -(t/nt).(p/np): -(t/nt - cosine * p/np) / np; the norm is a constant below the floor.
    for (Index i = 0; i < width; ++i) {
      const double along = p_floored ? 0.0 : cosine * p[i] / np;
      g[i] = static_cast<Real>(-(t[i] / nt - along) / np);
    }
    return -cosine;
  }
};

}  // namespace

std::vector<LossEntry> regression_loss_entries() {
  return {
      elementwise({"mean_squared_error", "mean((y_pred - y_true)^2) over the last axis", {}, {"mse", "MSE"}},
                  [](const Value&) {
                    return [](double p, double y, double& d) {
                      d = 2 * (p - y);
                      return (p - y) * (p - y);
                    };
                  }),
      elementwise({"mean_absolute_error", "mean(|y_pred - y_true|) over the last axis", {}, {"mae", "MAE"}},
                  [](const Value&) {
                    return [](double p, double y, double& d) {
                      d = sign(p - y);
                      return std::abs(p - y);
                    };
                  }),
      elementwise({"mean_absolute_percentage_error",
                   "100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7)) over the last axis",
                   {},
                   {"mape", "MAPE"}},
                  [](const Value&) {
                    return [](double p, double y, double& d) {
                      const double denominator = std::max(std::abs(y), eps);
                      d = 100 * sign(p - y) / denominator;
                      return 100 * std::abs(y - p) / denominator;
                    };
                  }),
      elementwise({"mean_squared_logarithmic_error",
                   "mean((log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1))^2) over the last axis",
                   {},
                   {"msle", "MSLE"}},
                  [](const Value&) {
                    return [](double p, double y, double& d) {
                      const double diff = std::log(std::max(p, eps) + 1) - std::log(std::max(y, eps) + 1);
                      d = p > eps ? 2 * diff / (p + 1) : 0.0;
                      return diff * diff;
                    };
                  }),
      elementwise({"huber",
                   "mean over the last axis of 0.5 e^2 where |e| <= delta, else delta (|e| - 0.5 delta), "
                   "e = y_pred - y_true",
                   {float_arg("delta", 1.0, "where the loss turns from quadratic to linear", 0.0)}},
                  [](const Value& spec) {
                    const double delta = spec.number_arg("delta");
                    return [delta](double p, double y, double& d) {
                      const double e = p - y;
                      if (std::abs(e) <= delta) {
                        d = e;
                        return 0.5 * e * e;
                      }
                      d = delta * sign(e);
                      return delta * std::abs(e) - 0.5 * delta * delta;
                    };
                  }),
      elementwise({"log_cosh", "mean(log(cosh(y_pred - y_true))) over the last axis", {}, {"logcosh"}},
                  [](const Value&) {
                    return [](double p, double y, double& d) {
                      // Keras's overflow-free form: x + softplus(-2x) - log(2).
                      const double x = p - y;
                      d = std::tanh(x);
                      return x + std::max(-2 * x, 0.0) + std::log1p(std::exp(-std::abs(2 * x))) -
                             std::log(2.0);
                    };
                  }),
      elementwise({"poisson", "mean(y_pred - y_true * log(y_pred + 1e-7)) over the last axis"},
                  [](const Value&) {
                    return [](double p, double y, double& d) {
                      d = 1 - y / (p + eps);
                      return p - y * std::log(p + eps);
                    };
                  }),
      elementwise(
          {"kl_divergence",
           "sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [1e-7, 1]",
           {},
           {"kld", "KLD", "kullback_leibler_divergence"}},
          [](const Value&) {
            return [](double p, double y, double& d) {
              const double yc = std::clamp(y, eps, 1.0), pc = std::clamp(p, eps, 1.0);
              d = (p > eps && p < 1.0) ? -yc / pc : 0.0;
              return yc * std::log(yc / pc);
            };
          },
          /*sum=*/true),
      {{"cosine_similarity",
        "-sum(l2_normalize(y_true) * l2_normalize(y_pred)) over the last axis (-1: the same direction)"},
       [](const Value&) { return std::make_unique<CosineSimilarity>(); }},
  };
}

}  // namespace yamlnet
