#include "interpreter/train/optimizers.hpp"

#include <array>
#include <cmath>

#include "interpreter/core/errors.hpp"
#include "interpreter/core/exact_sqrt.hpp"
#include "interpreter/core/prefetch.hpp"
#include "interpreter/core/threads.hpp"
#include "interpreter/train/learning_rate_schedules.hpp"
#include "interpreter/train/optimizer_entries.hpp"

namespace yamlnet {

namespace {

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
  explicit Adam(const Value& spec, std::string name = "adam")
      : Optimizer(std::move(name), spec, spec.arg("amsgrad")->b ? 3 : 2),
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
      W -= a * M / (exact_sqrt(Vhat) + eps);
    } else {
      W -= a * M / (exact_sqrt(V) + eps);
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
      MOM = mu * MOM + lr * G / exact_sqrt(MS - MG.square() + eps);
    } else {
      MOM = mu * MOM + lr * G / exact_sqrt(MS + eps);
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
  void init_slots(SlotValues& slots, Index n) const override {
    slots.assign(1, RealBuffer(static_cast<size_t>(n), static_cast<Real>(initial_)));
  }
  bool updates_rows_only() const override { return true; }  // a zero gradient changes nothing
  void update(Real* const* slots, Real* w, const Real* g, Index n) override {
    Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>> W(w, n), ACC(slots[0], n);
    Eigen::Map<const Eigen::Array<Real, Eigen::Dynamic, 1>> G(g, n);
    ACC += G.square();
    W -= static_cast<Real>(learning_rate_) * G / (exact_sqrt(ACC) + static_cast<Real>(epsilon_));
  }

 private:
  double initial_, epsilon_;
};

// Adam's own arguments, which AdamW shares.
std::vector<ArgSpec> adam_args() {
  return {learning_rate_arg(0.001),
          below_one(float_arg("beta_1", 0.9, "decay of the first moment", 0.0)),
          below_one(float_arg("beta_2", 0.999, "decay of the second moment", 0.0)),
          float_arg("epsilon", 1e-7, "numerical stability term", 0.0),
          bool_arg("amsgrad", false, "use the AMSGrad variant"),
          bool_arg("lazy", false,
                   "update only the Embedding rows a batch looks up (TF Addons' LazyAdam); the default moves "
                   "every row each step, as Keras does")};
}

}  // namespace

ArgSpec learning_rate_arg(double def) {
  ArgSpec a =
      float_arg("learning_rate", def, "step size, or a schedule: {type: exponential_decay, ...}", 0.0);
  a.family = &schedule_family();
  return a;
}

std::vector<ArgSpec> optimizer_args(std::vector<ArgSpec> args, std::optional<double> weight_decay) {
  args.push_back(float_arg("clipnorm", std::nullopt, "clip each gradient tensor to this L2 norm", 0.0));
  args.push_back(
      float_arg("clipvalue", std::nullopt, "clip each gradient value to [-clipvalue, clipvalue]", 0.0));
  args.push_back(float_arg("global_clipnorm", std::nullopt,
                           "scale all gradients together so that their joint L2 norm is at most this", 0.0));
  args.push_back(float_arg("weight_decay", weight_decay,
                           "decoupled weight decay: w -= w * weight_decay * learning_rate before each update",
                           0.0));
  args.push_back(bool_arg("use_ema", false,
                          "keep an exponential moving average of the weights; the weights take it at the end "
                          "of fit"));
  args.push_back(below_one(float_arg("ema_momentum", 0.99, "the moving average's momentum (use_ema)", 0.0)));
  args.push_back(int_arg("ema_overwrite_frequency", std::nullopt,
                         "with use_ema: every this many steps, the weights also take the average", 1.0));
  args.push_back(float_arg("decay", 0.0,
                           "Keras 1/2's time-based decay: each step's rate is learning_rate / (1 + decay * "
                           "steps taken before it)",
                           0.0));
  return args;
}

const KindRegistry<Optimizer>& optimizer_registry() {
  static const KindRegistry<Optimizer> registry = [] {
    std::vector<OptimizerEntry> entries{
        {{"sgd",
          "stochastic gradient descent with optional (Nesterov) momentum",
          optimizer_args({learning_rate_arg(0.01), float_arg("momentum", 0.0, "momentum factor", 0.0, 1.0),
                          bool_arg("nesterov", false, "use Nesterov momentum")}),
          {},
          keras1_learning_rate()},
         make<Sgd>},
        {{"adam",
          "Adam (Keras 2 form: bias corrections folded into the step size)",
          optimizer_args(adam_args()),
          {},
          keras1_learning_rate()},
         make<Adam>},
        {{"adamw",
          "Adam with decoupled weight decay (Keras 3's AdamW: w -= w * weight_decay * learning_rate first)",
          optimizer_args(adam_args(), 0.004),
          {},
          keras1_learning_rate()},
         [](const Value& spec) { return std::make_unique<Adam>(spec, "adamw"); }},
        {{"rmsprop",
          "RMSprop (TF's kernel: epsilon inside the square root)",
          optimizer_args({learning_rate_arg(0.001),
                          below_one(float_arg("rho", 0.9, "decay of the squared-gradient average", 0.0)),
                          float_arg("momentum", 0.0, "momentum factor", 0.0, 1.0),
                          float_arg("epsilon", 1e-7, "numerical stability term", 0.0),
                          bool_arg("centered", false, "normalise by the gradient's variance")}),
          {},
          keras1_learning_rate()},
         make<RmsProp>},
        {{"adagrad",
          "Adagrad",
          optimizer_args({learning_rate_arg(0.001),
                          float_arg("initial_accumulator_value", 0.1, "starting accumulator value", 0.0),
                          float_arg("epsilon", 1e-7, "numerical stability term", 0.0)}),
          {},
          keras1_learning_rate()},
         make<Adagrad>},
    };
    for (OptimizerEntry& e : adaptive_optimizer_entries()) entries.push_back(std::move(e));
    return KindRegistry<Optimizer>{"optimizer", std::move(entries)};
  }();
  return registry;
}

const FunctionFamily& optimizer_family() {
  return optimizer_registry().family();
}

std::unique_ptr<Optimizer> Optimizer::create(const Value& spec) {
  return optimizer_registry().create(spec);
}

Optimizer::Optimizer(std::string name, const Value& spec, int slot_count)
    : name_(std::move(name)), learning_rate_(0), base_learning_rate_(0), slot_count_(slot_count) {
  auto number = [&](const char* arg) {
    const Value* v = spec.arg(arg);
    return v && !v->is_none() ? v->as_double() : 0.0;
  };
  const Value& rate = *spec.arg("learning_rate");
  if (rate.kind == Value::Kind::Function) {
    schedule_ = LearningRateSchedule::create(rate);
    learning_rate_ = base_learning_rate_ = schedule_->at(0);
  } else {
    learning_rate_ = base_learning_rate_ = rate.as_double();
  }
  clipnorm_ = number("clipnorm");
  clipvalue_ = number("clipvalue");
  global_clipnorm_ = number("global_clipnorm");
  weight_decay_ = number("weight_decay");
  decay_ = number("decay");
  if (const Value* v = spec.arg("use_ema"); v && v->b) {
    use_ema_ = true;
    ema_momentum_ = spec.number_arg("ema_momentum");
    ema_overwrite_frequency_ = static_cast<int64_t>(number("ema_overwrite_frequency"));
  }
  if (schedule_ && decay_ > 0)
    throw ConfigError(
        {Diagnostic{spec.arg("decay")->loc, "", "",
                    "argument 'decay': Keras 1/2's decay and a learning-rate schedule cannot both "
                    "be set; the schedule alone decides the rate"}});
  std::vector<std::string> clipping;
  for (const char* arg : {"clipnorm", "clipvalue", "global_clipnorm"})
    if (number(arg) > 0) clipping.emplace_back(arg);
  if (clipping.size() > 1)
    throw ConfigError(
        {Diagnostic{spec.loc, "", "",
                    "arguments '" + clipping[0] + "' and '" + clipping[1] +
                        "' are both set: only one of clipnorm, clipvalue and global_clipnorm can "
                        "be (as in Keras)"}});
}

void Optimizer::init_slots(SlotValues& slots, Index n) const {
  slots.assign(static_cast<size_t>(slot_count_), RealBuffer(static_cast<size_t>(n), Real(0)));
}

// Keras's clip_by_global_norm: every gradient scaled by global_clipnorm / max(norm of them all,
// global_clipnorm).
double Optimizer::global_scale(const std::vector<ParamSlot>& params) const {
  double sq = 0;
  const auto add_squares = [&sq](const Real* g, size_t n) {
    for (size_t i = 0; i < n; ++i) sq += static_cast<double>(g[i]) * g[i];
  };
  for (const auto& slot : params) {
    const Parameter& p = *slot.param;
    if (p.row_grads)
      for (size_t k = 0; k < p.row_grads->rows().size(); ++k)
        add_squares(p.row_grads->at(k), static_cast<size_t>(p.row_grads->width()));
    else
      add_squares(p.grad.ptr(), p.grad.data.size());
  }
  const double norm = std::sqrt(sq);
  return norm > global_clipnorm_ ? global_clipnorm_ / norm : 1.0;
}

// average = m * average + (1 - m) * w, with m = 0 at the first step (Keras: the average starts at the
// weights after one update).
void Optimizer::update_average(RealBuffer& average, const Parameter& p) const {
  const Real m = iterations_ == 1 ? Real(0) : static_cast<Real>(ema_momentum_);
  const Real* w = p.value.ptr();
  split_update(p.value.size(), [&](Index begin, Index count) {
    for (Index i = begin; i < begin + count; ++i) {
      Real& a = average[static_cast<size_t>(i)];
      a = m * a + (Real(1) - m) * w[i];
    }
  });
}

void Optimizer::apply(const std::vector<ParamSlot>& params) {
  // A schedule, and Keras 1/2's decay, read the number of steps taken before this one.
  learning_rate_ = schedule_ ? schedule_->at(iterations_)
                             : base_learning_rate_ / (1.0 + decay_ * static_cast<double>(iterations_));
  const double global = global_clipnorm_ > 0 ? global_scale(params) : 1.0;
  ++iterations_;
  begin_step(iterations_);
  const bool clipping = clipnorm_ > 0 || clipvalue_ > 0 || global != 1.0;
  // Decay moves every row, as the moving average reads every row.
  const bool rows_only = updates_rows_only() && !clipping && weight_decay_ == 0;
  for (const auto& slot : params) {
    Parameter& p = *slot.param;
    const Index n = p.value.size();
    auto& state = slots_[slot.key];
    if (state.empty()) {
      init_slots(state, n);
      if (use_ema_) state.emplace_back(static_cast<size_t>(n), Real(0));
    }
    Real* w = p.value.ptr();
    if (weight_decay_ > 0) {
      const Real keep = static_cast<Real>(1.0 - weight_decay_ * learning_rate_);
      split_update(n, [&](Index begin, Index count) {
        for (Index i = begin; i < begin + count; ++i) w[i] *= keep;
      });
    }
    if (p.row_grads && rows_only) {
      update_rows(state, p);
    } else {
      const Real* g = p.row_grads ? table_gradient(p) : p.grad.ptr();
      if (clipping) {
        clipped_.assign(g, g + n);
        if (global != 1.0)
          for (Real& v : clipped_) v = static_cast<Real>(v * global);
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
      const size_t own = rule_slots(state);
      split_update(n, [&](Index begin, Index count) {
        std::array<Real*, kMaxRuleSlots> slot_ptrs{};
        for (size_t i = 0; i < own; ++i) slot_ptrs[i] = state[i].data() + begin;
        update(slot_ptrs.data(), w + begin, g + begin, count);
      });
      if (p.row_grads) clear_table_gradient(p);
    }
    // Keras: the average is taken before the constraints are applied.
    if (use_ema_) update_average(state.back(), p);
    if (p.constraint) p.constraint->apply(p.value.ptr(), p.shape);
  }
  if (use_ema_ && ema_overwrite_frequency_ > 0 && iterations_ % ema_overwrite_frequency_ == 0) finish(params);
}

void Optimizer::set_learning_rate(double rate) {
  if (schedule_)
    throw TrainingError(
        "the optimizer's learning_rate is a schedule, so a callback cannot set it (as in Keras); use a plain "
        "learning_rate with reduce_lr_on_plateau or learning_rate_scheduler");
  base_learning_rate_ = learning_rate_ = rate;
}

void Optimizer::finish(const std::vector<ParamSlot>& params) {
  if (!use_ema_) return;
  for (const auto& slot : params) {
    const auto found = slots_.find(slot.key);
    if (found == slots_.end()) continue;  // never updated
    const RealBuffer& average = found->second.back();
    std::copy(average.begin(), average.end(), slot.param->value.data.begin());
  }
}

void Optimizer::update_rows(SlotValues& state, Parameter& p) {
  const RowGradients& grads = *p.row_grads;
  const Index width = grads.width();
  const size_t own = rule_slots(state);
  std::array<Real*, kMaxRuleSlots> slot_ptrs{};
  const std::vector<Index>& rows = grads.rows();
  // Each row's weights and slots are fetched ahead (interpreter/core/prefetch.hpp); the gradients are read
  // in order.
  for (size_t k = 0; k < rows.size(); ++k) {
    if (k + kRowsAhead < rows.size()) {
      const Index ahead = rows[k + kRowsAhead] * width;
      prefetch_row<true>(p.value.ptr() + ahead, width);
      for (size_t i = 0; i < own; ++i) prefetch_row<true>(state[i].data() + ahead, width);
    }
    const Index at = rows[k] * width;
    for (size_t i = 0; i < own; ++i) slot_ptrs[i] = state[i].data() + at;
    update(slot_ptrs.data(), p.value.ptr() + at, grads.at(k), width);
  }
}

// A gradient kept by rows, as the whole table's: the dense rules (Keras's Adam moves every row's moments) and
// clipping read every row.
const Real* Optimizer::table_gradient(const Parameter& p) {
  const RowGradients& grads = *p.row_grads;
  const auto n = static_cast<size_t>(p.value.size());
  if (table_grad_.size() < n) table_grad_.resize(n, Real(0));
  const Index width = grads.width();
  for (size_t k = 0; k < grads.rows().size(); ++k)
    std::copy_n(grads.at(k), width, table_grad_.data() + grads.rows()[k] * width);
  return table_grad_.data();
}

void Optimizer::clear_table_gradient(const Parameter& p) {
  const Index width = p.row_grads->width();
  for (Index r : p.row_grads->rows()) std::fill_n(table_grad_.data() + r * width, width, Real(0));
}

}  // namespace yamlnet
