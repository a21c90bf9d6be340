#include "interpreter/train/optimizers.hpp"

#include <array>
#include <cmath>

#include "interpreter/core/errors.hpp"
#include "interpreter/core/threads.hpp"
#include "interpreter/spec/kind_registry.hpp"

namespace yamlnet {

namespace {

std::vector<ArgSpec> with_clipping(std::vector<ArgSpec> args) {
  args.push_back(float_arg("clipnorm", std::nullopt, "clip each gradient tensor to this L2 norm", 0.0));
  args.push_back(
      float_arg("clipvalue", std::nullopt, "clip each gradient value to [-clipvalue, clipvalue]", 0.0));
  return args;
}

const std::vector<KerasAlias> kLrAlias = {{"lr", "learning_rate", ""},
                                          {"decay", "", "learning-rate decay is not supported"}};

class Sgd : public Optimizer {
 public:
  explicit Sgd(const Value& spec)
      : Optimizer("sgd", spec, 1),
        momentum_(spec.number_arg("momentum")),
        nesterov_(spec.arg("nesterov")->b) {}

 protected:
  // A zero gradient moves nothing without momentum. With momentum the dense rule keeps moving every row (TF's
  // sparse momentum kernel would update only the looked-up rows; we keep the dense rule).
  bool updates_rows_only() const override { return momentum_ == 0.0; }
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    const Real lr = static_cast<Real>(learning_rate_), mu = static_cast<Real>(momentum_);
    Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>> W(w, n);
    Eigen::Map<const Eigen::Array<Real, Eigen::Dynamic, 1>> G(g, n);
    if (momentum_ == 0.0) {
      W -= lr * G;
      return;
    }
    Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>> V(slots[0], n);
    V = mu * V - lr * G;
    if (nesterov_)
      W += mu * V - lr * G;
    else
      W += V;
  }

 private:
  double momentum_;
  bool nesterov_;
};

class Adam : public Optimizer {
 public:
  explicit Adam(const Value& spec)
      : Optimizer("adam", spec, spec.arg("amsgrad")->b ? 3 : 2),
        beta_1_(spec.number_arg("beta_1")),
        beta_2_(spec.number_arg("beta_2")),
        epsilon_(spec.number_arg("epsilon")),
        amsgrad_(spec.arg("amsgrad")->b),
        lazy_(spec.arg("lazy")->b) {}

 protected:
  // Keras's Adam decays every row's moments and moves every row each step, looked up or not; lazy Adam (TF
  // Addons' LazyAdam) updates the looked-up rows only.
  bool updates_rows_only() const override { return lazy_; }
  void begin_step(int64_t t) override {
    // Keras folds the bias corrections into the step size ("epsilon hat" form).
    alpha_ = learning_rate_ * std::sqrt(1.0 - std::pow(beta_2_, static_cast<double>(t))) /
             (1.0 - std::pow(beta_1_, static_cast<double>(t)));
  }
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>> W(w, n), M(slots[0], n), V(slots[1], n);
    Eigen::Map<const Eigen::Array<Real, Eigen::Dynamic, 1>> G(g, n);
    M += (G - M) * static_cast<Real>(1.0 - beta_1_);
    V += (G.square() - V) * static_cast<Real>(1.0 - beta_2_);
    const Real a = static_cast<Real>(alpha_), eps = static_cast<Real>(epsilon_);
    if (amsgrad_) {
      Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>> Vhat(slots[2], n);
      Vhat = Vhat.max(V);
      W -= a * M / (Vhat.sqrt() + eps);
    } else {
      W -= a * M / (V.sqrt() + eps);
    }
  }

 private:
  double beta_1_, beta_2_, epsilon_;
  bool amsgrad_, lazy_;
  double alpha_ = 0;
};

class RmsProp : public Optimizer {
 public:
  explicit RmsProp(const Value& spec)
      : Optimizer("rmsprop", spec, spec.arg("centered")->b ? 3 : 2),
        rho_(spec.number_arg("rho")),
        momentum_(spec.number_arg("momentum")),
        epsilon_(spec.number_arg("epsilon")),
        centered_(spec.arg("centered")->b) {}

 protected:
  bool updates_rows_only() const override { return false; }  // the mean square decays on every row
  // TF's ApplyRMSProp kernel: epsilon inside the square root.
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>> W(w, n), MS(slots[0], n), MOM(slots[1], n);
    Eigen::Map<const Eigen::Array<Real, Eigen::Dynamic, 1>> G(g, n);
    const Real rho = static_cast<Real>(rho_), lr = static_cast<Real>(learning_rate_);
    const Real eps = static_cast<Real>(epsilon_), mu = static_cast<Real>(momentum_);
    MS = rho * MS + (Real(1) - rho) * G.square();
    if (centered_) {
      Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>> MG(slots[2], n);
      MG = rho * MG + (Real(1) - rho) * G;
      MOM = mu * MOM + lr * G / (MS - MG.square() + eps).sqrt();
    } else {
      MOM = mu * MOM + lr * G / (MS + eps).sqrt();
    }
    W -= MOM;
  }

 private:
  double rho_, momentum_, epsilon_;
  bool centered_;
};

class Adagrad : public Optimizer {
 public:
  explicit Adagrad(const Value& spec)
      : Optimizer("adagrad", spec, 1),
        initial_(spec.number_arg("initial_accumulator_value")),
        epsilon_(spec.number_arg("epsilon")) {}

 protected:
  void init_slots(std::vector<std::vector<Real>>& slots, Index n) const override {
    slots.assign(1, std::vector<Real>(static_cast<size_t>(n), static_cast<Real>(initial_)));
  }
  bool updates_rows_only() const override { return true; }  // a zero gradient changes nothing
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>> W(w, n), ACC(slots[0], n);
    Eigen::Map<const Eigen::Array<Real, Eigen::Dynamic, 1>> G(g, n);
    ACC += G.square();
    W -= static_cast<Real>(learning_rate_) * G / (ACC.sqrt() + static_cast<Real>(epsilon_));
  }

 private:
  double initial_, epsilon_;
};

template <class Kind>
std::unique_ptr<Optimizer> make(const Value& spec) {
  return std::make_unique<Kind>(spec);
}

// A decay rate in [0, 1): at 1 the moment never forgets its start and Adam's bias correction divides by zero.
ArgSpec below_one(ArgSpec a) {
  a.max = 1.0;
  a.max_exclusive = true;
  return a;
}

}  // namespace

const KindRegistry<Optimizer>& optimizer_registry() {
  static const KindRegistry<Optimizer> registry{
      "optimizer",
      {
          {{"sgd",
            "stochastic gradient descent with optional (Nesterov) momentum",
            with_clipping({float_arg("learning_rate", 0.01, "step size", 0.0),
                           float_arg("momentum", 0.0, "momentum factor", 0.0, 1.0),
                           bool_arg("nesterov", false, "use Nesterov momentum")}),
            {},
            kLrAlias},
           make<Sgd>},
          {{"adam",
            "Adam (Keras 2 form: bias corrections folded into the step size)",
            with_clipping({float_arg("learning_rate", 0.001, "step size", 0.0),
                           below_one(float_arg("beta_1", 0.9, "decay of the first moment", 0.0)),
                           below_one(float_arg("beta_2", 0.999, "decay of the second moment", 0.0)),
                           float_arg("epsilon", 1e-7, "numerical stability term", 0.0),
                           bool_arg("amsgrad", false, "use the AMSGrad variant"),
                           bool_arg("lazy", false,
                                    "update only the Embedding rows a batch looks up (TF Addons' LazyAdam); "
                                    "the default moves every row each step, as Keras does")}),
            {},
            kLrAlias},
           make<Adam>},
          {{"rmsprop",
            "RMSprop (TF's kernel: epsilon inside the square root)",
            with_clipping({float_arg("learning_rate", 0.001, "step size", 0.0),
                           below_one(float_arg("rho", 0.9, "decay of the squared-gradient average", 0.0)),
                           float_arg("momentum", 0.0, "momentum factor", 0.0, 1.0),
                           float_arg("epsilon", 1e-7, "numerical stability term", 0.0),
                           bool_arg("centered", false, "normalise by the gradient's variance")}),
            {},
            kLrAlias},
           make<RmsProp>},
          {{"adagrad",
            "Adagrad",
            with_clipping({float_arg("learning_rate", 0.001, "step size", 0.0),
                           float_arg("initial_accumulator_value", 0.1, "starting accumulator value", 0.0),
                           float_arg("epsilon", 1e-7, "numerical stability term", 0.0)}),
            {},
            kLrAlias},
           make<Adagrad>},
      }};
  return registry;
}

const FunctionFamily& optimizer_family() {
  return optimizer_registry().family();
}

std::unique_ptr<Optimizer> Optimizer::create(const Value& spec) {
  return optimizer_registry().create(spec);
}

Optimizer::Optimizer(std::string name, const Value& spec, int slot_count)
    : name_(std::move(name)), learning_rate_(spec.number_arg("learning_rate")), slot_count_(slot_count) {
  if (const Value* v = spec.arg("clipnorm"); v && !v->is_none()) clipnorm_ = v->as_double();
  if (const Value* v = spec.arg("clipvalue"); v && !v->is_none()) clipvalue_ = v->as_double();
}

void Optimizer::init_slots(std::vector<std::vector<Real>>& slots, Index n) const {
  slots.assign(static_cast<size_t>(slot_count_), std::vector<Real>(static_cast<size_t>(n), Real(0)));
}

void Optimizer::apply(const std::vector<ParamSlot>& params) {
  ++iterations_;
  begin_step(iterations_);
  const bool clipping = clipnorm_ > 0 || clipvalue_ > 0;
  for (const auto& slot : params) {
    Parameter& p = *slot.param;
    const Index n = p.value.size();
    auto& state = slots_[slot.key];
    if (state.empty()) init_slots(state, n);
    if (p.touched && updates_rows_only() && !clipping) {
      update_rows(state, p);
    } else {
      const Real* g = p.grad.ptr();
      if (clipping) {
        clipped_.assign(p.grad.data.begin(), p.grad.data.end());
        if (clipvalue_ > 0)
          for (Real& v : clipped_)
            v = std::clamp(v, static_cast<Real>(-clipvalue_), static_cast<Real>(clipvalue_));
        if (clipnorm_ > 0) {
          double sq = 0;
          for (Real v : clipped_) sq += static_cast<double>(v) * v;
          const double norm = std::sqrt(sq);
          if (norm > clipnorm_)
            for (Real& v : clipped_) v = static_cast<Real>(v * clipnorm_ / norm);
        }
        g = clipped_.data();
      }
      Real* w = p.value.ptr();
      split_update(n, [&](Index begin, Index count) {
        std::array<Real*, 3> slot_ptrs{};
        for (size_t i = 0; i < state.size(); ++i) slot_ptrs[i] = state[i].data() + begin;
        update(slot_ptrs.data(), w + begin, g + begin, count);
      });
    }
    if (p.constraint) p.constraint->apply(p.value.ptr(), p.shape);
  }
}

void Optimizer::update_rows(std::vector<std::vector<Real>>& state, Parameter& p) {
  const Index width = p.shape.size() == 2 ? p.shape[1] : 1;
  std::array<Real*, 3> slot_ptrs{};
  for (Index r : p.touched->rows()) {
    const Index at = r * width;
    for (size_t i = 0; i < state.size(); ++i) slot_ptrs[i] = state[i].data() + at;
    update(slot_ptrs.data(), p.value.ptr() + at, p.grad.ptr() + at, width);
  }
}

}  // namespace yamlnet
