// Keras 3's adadelta, adamax, nadam, ftrl and lion, re-derived from their update rules.
#include <cmath>

#include "interpreter/core/exact_sqrt.hpp"
#include "interpreter/train/optimizer_entries.hpp"

namespace yamlnet {

namespace {

using Array = Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>>;
using ConstArray = Eigen::Map<const Eigen::Array<Real, Eigen::Dynamic, 1>>;

// acc_g = rho acc_g + (1 - rho) g^2; delta = -sqrt(acc_d + eps) / sqrt(acc_g + eps) g;
// acc_d = rho acc_d + (1 - rho) delta^2; w += learning_rate * delta.
class Adadelta : public Optimizer {
 public:
  explicit Adadelta(const Value& spec)
      : Optimizer("adadelta", spec, 2), rho_(spec.number_arg("rho")), epsilon_(spec.number_arg("epsilon")) {}

 protected:
  bool updates_rows_only() const override { return false; }  // the averages decay on every row
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    Array W(w, n), ACC_G(slots[0], n), ACC_D(slots[1], n);
    ConstArray G(g, n);
    const Real rho = static_cast<Real>(rho_), eps = static_cast<Real>(epsilon_);
    ACC_G = rho * ACC_G + (Real(1) - rho) * G.square();
    // delta = -step * G, written out twice rather than kept in a buffer (no allocation in a step); each
    // element reads only itself, so the order of the two assignments is the rule's.
    W -= static_cast<Real>(learning_rate_) * exact_sqrt(ACC_D + eps) / exact_sqrt(ACC_G + eps) * G;
    ACC_D = rho * ACC_D + (Real(1) - rho) * (exact_sqrt(ACC_D + eps) / exact_sqrt(ACC_G + eps) * G).square();
  }

 private:
  double rho_, epsilon_;
};

// m = beta_1 m + (1 - beta_1) g; u = max(beta_2 u, |g|); w -= learning_rate m / ((1 - beta_1^t)(u + eps)).
class Adamax : public Optimizer {
 public:
  explicit Adamax(const Value& spec)
      : Optimizer("adamax", spec, 2),
        beta_1_(spec.number_arg("beta_1")),
        beta_2_(spec.number_arg("beta_2")),
        epsilon_(spec.number_arg("epsilon")) {}

 protected:
  bool updates_rows_only() const override { return false; }
  void begin_step(int64_t t) override {
    step_ = learning_rate_ / (1.0 - std::pow(beta_1_, static_cast<double>(t)));
  }
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    Array W(w, n), M(slots[0], n), U(slots[1], n);
    ConstArray G(g, n);
    M += (G - M) * static_cast<Real>(1.0 - beta_1_);
    U = (static_cast<Real>(beta_2_) * U).max(G.abs());
    W -= static_cast<Real>(step_) * M / (U + static_cast<Real>(epsilon_));
  }

 private:
  double beta_1_, beta_2_, epsilon_;
  double step_ = 0;
};

// Keras's Nadam: Adam with Nesterov momentum under the momentum schedule u_t = beta_1 (1 - 0.5 * 0.96^t)
// (Keras 2.11+ and 3; the legacy Nadam's was 0.96^(0.004 t)), whose running product the bias corrections
// read.
class Nadam : public Optimizer {
 public:
  explicit Nadam(const Value& spec)
      : Optimizer("nadam", spec, 2),
        beta_1_(spec.number_arg("beta_1")),
        beta_2_(spec.number_arg("beta_2")),
        epsilon_(spec.number_arg("epsilon")) {}

 protected:
  bool updates_rows_only() const override { return false; }
  double momentum_at(double t) const { return beta_1_ * (1.0 - 0.5 * std::pow(0.96, t)); }
  void begin_step(int64_t t) override {
    // The product of u_1 .. u_t, carried from step to step and rebuilt after a resume.
    if (t != product_step_ + 1) {
      product_ = 1.0;
      for (int64_t s = 1; s < t; ++s) product_ *= momentum_at(static_cast<double>(s));
    }
    u_t_ = momentum_at(static_cast<double>(t));
    u_next_ = momentum_at(static_cast<double>(t + 1));
    product_ *= u_t_;
    product_step_ = t;
    beta_2_power_ = std::pow(beta_2_, static_cast<double>(t));
  }
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    Array W(w, n), M(slots[0], n), V(slots[1], n);
    ConstArray G(g, n);
    M += (G - M) * static_cast<Real>(1.0 - beta_1_);
    V += (G.square() - V) * static_cast<Real>(1.0 - beta_2_);
    const Real m_scale = static_cast<Real>(u_next_ / (1.0 - product_ * u_next_));
    const Real g_scale = static_cast<Real>((1.0 - u_t_) / (1.0 - product_));
    const Real v_scale = static_cast<Real>(1.0 / (1.0 - beta_2_power_));
    W -= static_cast<Real>(learning_rate_) * (m_scale * M + g_scale * G) /
         (exact_sqrt(V * v_scale) + static_cast<Real>(epsilon_));
  }

 private:
  double beta_1_, beta_2_, epsilon_;
  double u_t_ = 0, u_next_ = 0, product_ = 1, beta_2_power_ = 0;
  int64_t product_step_ = 0;
};

// Keras's Ftrl (FTRL-Proximal): accumulator n and linear term z per value; the weight is the closed-form
// minimiser of the regularised linear model, zero where |z| <= l1.
class Ftrl : public Optimizer {
 public:
  explicit Ftrl(const Value& spec)
      : Optimizer("ftrl", spec, 2),
        power_(spec.number_arg("learning_rate_power")),
        initial_(spec.number_arg("initial_accumulator_value")),
        l1_(spec.number_arg("l1_regularization_strength")),
        l2_(spec.number_arg("l2_regularization_strength")),
        l2_shrinkage_(spec.number_arg("l2_shrinkage_regularization_strength")),
        beta_(spec.number_arg("beta")) {}

 protected:
  void init_slots(SlotValues& slots, Index n) const override {
    slots.assign(2, RealBuffer(static_cast<size_t>(n), Real(0)));
    std::fill(slots[0].begin(), slots[0].end(), static_cast<Real>(initial_));
  }
  // A zero gradient leaves n and z, hence the weight, where they are (without shrinkage, which reads w).
  bool updates_rows_only() const override { return l2_shrinkage_ == 0; }
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    const double lr = learning_rate_, l2 = l2_ + beta_ / (2.0 * lr);
    // The default power -0.5 is a square root, ~10x cheaper than pow.
    const bool root = power_ == -0.5;
    const auto power = [&](double x) { return root ? std::sqrt(x) : std::pow(x, -power_); };
    for (Index i = 0; i < n; ++i) {
      const double grad = g[i], shrunk = grad + 2.0 * l2_shrinkage_ * w[i];
      const double accum = slots[0][i], next = accum + grad * grad;
      const double next_root = power(next);
      const double z = slots[1][i] + shrunk - (next_root - power(accum)) / lr * w[i];
      const double quadratic = next_root / lr + 2.0 * l2;
      w[i] = static_cast<Real>(std::abs(z) > l1_ ? (std::clamp(z, -l1_, l1_) - z) / quadratic : 0.0);
      slots[0][i] = static_cast<Real>(next);
      slots[1][i] = static_cast<Real>(z);
    }
  }

 private:
  double power_, initial_, l1_, l2_, l2_shrinkage_, beta_;
};

// Lion: w -= learning_rate sign(beta_1 m + (1 - beta_1) g); m = beta_2 m + (1 - beta_2) g.
class Lion : public Optimizer {
 public:
  explicit Lion(const Value& spec)
      : Optimizer("lion", spec, 1), beta_1_(spec.number_arg("beta_1")), beta_2_(spec.number_arg("beta_2")) {}

 protected:
  bool updates_rows_only() const override { return false; }
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    Array W(w, n), M(slots[0], n);
    ConstArray G(g, n);
    const Real b1 = static_cast<Real>(beta_1_), b2 = static_cast<Real>(beta_2_);
    W -= static_cast<Real>(learning_rate_) * (b1 * M + (Real(1) - b1) * G).sign();
    M = b2 * M + (Real(1) - b2) * G;
  }

 private:
  double beta_1_, beta_2_;
};

}  // namespace

std::vector<OptimizerEntry> adaptive_optimizer_entries() {
  const auto rate = learning_rate_arg;
  const auto epsilon = float_arg("epsilon", 1e-7, "numerical stability term", 0.0);
  return {
      {{"adadelta",
        "Adadelta (Keras's form, scaled by learning_rate)",
        optimizer_args(
            {rate(0.001), below_one(float_arg("rho", 0.95, "decay of the averages", 0.0)), epsilon}),
        {},
        keras1_learning_rate()},
       make<Adadelta>},
      {{"adamax",
        "Adamax: Adam with the infinity norm",
        optimizer_args({rate(0.001), below_one(float_arg("beta_1", 0.9, "decay of the first moment", 0.0)),
                        below_one(float_arg("beta_2", 0.999, "decay of the weighted infinity norm", 0.0)),
                        epsilon}),
        {},
        keras1_learning_rate()},
       make<Adamax>},
      {{"nadam",
        "Nadam: Adam with Nesterov momentum (Keras's momentum schedule)",
        optimizer_args({rate(0.001), below_one(float_arg("beta_1", 0.9, "decay of the first moment", 0.0)),
                        below_one(float_arg("beta_2", 0.999, "decay of the second moment", 0.0)), epsilon}),
        {},
        keras1_learning_rate()},
       make<Nadam>},
      {{"ftrl",
        "FTRL-Proximal (Keras's Ftrl)",
        optimizer_args({rate(0.001),
                        at_most(float_arg("learning_rate_power", -0.5,
                                          "power of the accumulator in the step size", std::nullopt),
                                0.0),
                        float_arg("initial_accumulator_value", 0.1, "starting accumulator value", 0.0),
                        float_arg("l1_regularization_strength", 0.0,
                                  "L1 penalty (weights with |z| below it are 0)", 0.0),
                        float_arg("l2_regularization_strength", 0.0, "L2 penalty", 0.0),
                        float_arg("l2_shrinkage_regularization_strength", 0.0,
                                  "L2 penalty on the gradient (shrinkage)", 0.0),
                        float_arg("beta", 0.0, "added to the L2 penalty as beta / (2 learning_rate)", 0.0)}),
        {},
        keras1_learning_rate()},
       make<Ftrl>},
      {{"lion",
        "Lion: the sign of an interpolated momentum",
        optimizer_args({rate(0.001), below_one(float_arg("beta_1", 0.9, "interpolation of the update", 0.0)),
                        below_one(float_arg("beta_2", 0.99, "decay of the momentum", 0.0))}),
        {},
        keras1_learning_rate()},
       make<Lion>},
  };
}

}  // namespace yamlnet
