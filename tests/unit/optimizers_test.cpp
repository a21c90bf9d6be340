// One or two optimizer steps computed by hand from Keras 2's update rules.
#include "interpreter/train/optimizers.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

struct OneWeight {
  Parameter p;
  std::vector<ParamSlot> slots;
  explicit OneWeight(std::vector<Real> values) {
    p.name = std::string("w");
    p.shape = {static_cast<Index>(values.size())};
    p.value.resize(p.shape);
    p.grad.resize(p.shape);
    p.value.data.assign(values.begin(), values.end());
    slots.push_back(ParamSlot{"layer/w", &p});
  }
};

double step(const std::string& optimizer, const std::vector<double>& grads, double w0 = 1.0) {
  auto opt = Optimizer::create(parse_function_value(optimizer, optimizer_family()));
  OneWeight w({static_cast<Real>(w0)});
  for (double g : grads) {
    w.p.grad.data[0] = static_cast<Real>(g);
    opt->apply(w.slots);
  }
  return w.p.value.data[0];
}

}  // namespace

TEST_CASE("sgd: plain, momentum and Nesterov") {
  CHECK(step("{type: sgd, learning_rate: 0.1}", {0.5}) == doctest::Approx(0.95));
  // v1 = -0.05, v2 = 0.9 * v1 - 0.05 = -0.095
  CHECK(step("{type: sgd, learning_rate: 0.1, momentum: 0.9}", {0.5, 0.5}) ==
        doctest::Approx(1.0 - 0.05 - 0.095));
  // Nesterov: w += momentum * v - lr * g = 0.9 * -0.05 - 0.05
  CHECK(step("{type: sgd, learning_rate: 0.1, momentum: 0.9, nesterov: true}", {0.5}) ==
        doctest::Approx(0.905));
}

TEST_CASE("adam: Keras's epsilon-hat form over two steps, and amsgrad") {
  const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  double w = 1, m = 0, v = 0, vhat = 0, w_ams = 1;
  const double grads[] = {0.5, 0.01};  // v shrinks at step 2, so amsgrad's max differs
  for (int t = 1; t <= 2; ++t) {
    const double g = grads[t - 1];
    m += (g - m) * (1 - b1);
    v += (g * g - v) * (1 - b2);
    vhat = std::max(vhat, v);
    const double alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    w -= alpha * m / (std::sqrt(v) + eps);
    w_ams -= alpha * m / (std::sqrt(vhat) + eps);
  }
  CHECK(step("{type: adam, learning_rate: 0.1}", {0.5, 0.01}) == doctest::Approx(w).epsilon(1e-6));
  CHECK(step("{type: adam, learning_rate: 0.1, amsgrad: true}", {0.5, 0.01}) ==
        doctest::Approx(w_ams).epsilon(1e-6));
  CHECK(std::abs(w_ams - w) > 1e-6);
}

TEST_CASE("rmsprop: plain, momentum, centered (TF kernel: epsilon inside the root)") {
  const double ms = 0.1 * 0.25;
  CHECK(step("{type: rmsprop, learning_rate: 0.01}", {0.5}) ==
        doctest::Approx(1 - 0.01 * 0.5 / std::sqrt(ms + 1e-7)));
  const double mg = 0.1 * 0.5;
  CHECK(step("{type: rmsprop, learning_rate: 0.01, centered: true}", {0.5}) ==
        doctest::Approx(1 - 0.01 * 0.5 / std::sqrt(ms - mg * mg + 1e-7)));
  // Two steps with momentum 0.5: mom2 = 0.5 * mom1 + lr g / sqrt(ms2 + eps)
  const double mom1 = 0.01 * 0.5 / std::sqrt(ms + 1e-7);
  const double ms2 = 0.9 * ms + 0.1 * 0.25;
  const double mom2 = 0.5 * mom1 + 0.01 * 0.5 / std::sqrt(ms2 + 1e-7);
  CHECK(step("{type: rmsprop, learning_rate: 0.01, momentum: 0.5}", {0.5, 0.5}) ==
        doctest::Approx(1 - mom1 - mom2));
}

TEST_CASE("adagrad: accumulator starts at initial_accumulator_value") {
  CHECK(step("{type: adagrad, learning_rate: 0.1}", {0.5}) ==
        doctest::Approx(1 - 0.1 * 0.5 / (std::sqrt(0.35) + 1e-7)));
}

TEST_CASE("clipnorm and clipvalue act per gradient tensor before the update, constraints after") {
  auto opt = Optimizer::create(
      parse_function_value("{type: sgd, learning_rate: 1, clipnorm: 1}", optimizer_family()));
  OneWeight w({0, 0});
  w.p.grad.data = {3, 4};
  opt->apply(w.slots);
  CHECK(w.p.value.data[0] == doctest::Approx(-0.6));
  CHECK(w.p.value.data[1] == doctest::Approx(-0.8));

  auto clip = Optimizer::create(
      parse_function_value("{type: sgd, learning_rate: 1, clipvalue: 0.5}", optimizer_family()));
  OneWeight v({0, 0});
  v.p.grad.data = {3, -0.25};
  clip->apply(v.slots);
  CHECK(v.p.value.data[0] == doctest::Approx(-0.5));
  CHECK(v.p.value.data[1] == doctest::Approx(0.25));

  OneWeight c({0.1});
  c.p.constraint = Constraint::from_value(parse_function_value("non_neg", constraint_family()));
  c.p.grad.data = {1};
  clip->apply(c.slots);
  CHECK(c.p.value.data[0] == 0);
}

TEST_CASE("optimizer state is kept per parameter name") {
  auto opt = Optimizer::create(parse_function_value("adam", optimizer_family()));
  OneWeight a({1}), b({1, 2, 3});
  a.p.grad.data = {0.1};
  b.p.grad.data = {0.1, 0.2, 0.3};
  std::vector<ParamSlot> both{{"x/kernel", &a.p}, {"y/kernel", &b.p}};
  opt->apply(both);
  CHECK(opt->slots().size() == 2);
  CHECK(opt->slots()["y/kernel"][0].size() == 3);
  CHECK(opt->iterations() == 1);
}

namespace {

// A 4 x 2 table whose gradient is row-sparse; the same steps run on a dense copy for comparison.
struct EmbeddingTable {
  Parameter p;
  std::vector<ParamSlot> slots;
  explicit EmbeddingTable(bool row_sparse) {
    p.name = "embeddings";
    p.shape = {4, 2};
    p.value.resize(p.shape);
    for (Index i = 0; i < 8; ++i) p.value.data[i] = Real(0.1) * static_cast<Real>(i + 1);
    if (row_sparse)
      p.row_grads.emplace(2);
    else
      p.grad.resize(p.shape);
    slots.push_back(ParamSlot{"emb/embeddings", &p});
  }
  // One step whose gradient is `g` on `rows` (as an Embedding's backward writes it) and zero elsewhere.
  void step(Optimizer& opt, const std::vector<Index>& rows, Real g) {
    p.zero_grad();
    for (Index r : rows) {
      Real* row = p.row_grads ? p.row_grads->add(r) : p.grad.ptr() + r * 2;
      row[0] += g;
      row[1] -= g;
    }
    opt.apply(slots);
  }
};

std::vector<Real> run(const std::string& optimizer, bool row_sparse) {
  auto opt = Optimizer::create(parse_function_value(optimizer, optimizer_family()));
  EmbeddingTable t(row_sparse);
  t.step(*opt, {1, 3, 1}, Real(0.5));
  t.step(*opt, {0}, Real(-0.25));
  t.step(*opt, {3}, Real(1.5));
  return to_vector(t.p.value.data);
}

}  // namespace

TEST_CASE("row-sparse gradients: the dense rule's result, touching only rows where that is the rule") {
  // sgd updates the touched rows only; momentum, adam and rmsprop take the dense rule, as do clipping and
  // weight decay (the rows written out as the whole table's gradient, and cleared for the next step): all bit
  // for bit.
  for (const std::string opt :
       {"{type: sgd, learning_rate: 0.1}", "{type: sgd, learning_rate: 0.1, momentum: 0.9}",
        "{type: adam, learning_rate: 0.1}", "{type: rmsprop, learning_rate: 0.1}",
        "{type: sgd, learning_rate: 0.1, clipnorm: 0.3}", "{type: sgd, learning_rate: 0.1, clipvalue: 0.2}",
        "{type: sgd, learning_rate: 0.1, global_clipnorm: 0.4}", "{type: adamw, learning_rate: 0.1}"}) {
    CAPTURE(opt);
    CHECK(run(opt, true) == run(opt, false));
  }
  // adagrad updates the touched rows only, to the last bit: a row alone and a whole table take the same
  // correctly rounded square root (core/exact_sqrt.hpp).
  const auto sparse = run("{type: adagrad, learning_rate: 0.1}", true);
  const auto dense = run("{type: adagrad, learning_rate: 0.1}", false);
  CHECK(sparse == dense);
  // Row 2 never had a gradient: unchanged.
  CHECK(run("{type: sgd, learning_rate: 0.1}", true)[4] == Real(0.5));
  CHECK(sparse[4] == Real(0.5));
}

TEST_CASE("a row-sparse gradient holds the rows written since zero_grad, each zero when first written") {
  EmbeddingTable t(true);
  t.p.row_grads->add(3)[1] = 2;
  t.p.row_grads->add(1)[0] = 1;
  t.p.row_grads->add(3)[1] += 1;  // the same row again
  CHECK(t.p.row_grads->rows() == std::vector<Index>{3, 1});
  CHECK(t.p.row_grads->at(0)[1] == 3);
  CHECK(t.p.grad_at(2) == 1);  // row 1, first value
  CHECK(t.p.grad_at(7) == 3);
  CHECK(t.p.grad_at(4) == 0);  // row 2: not written
  CHECK(t.p.row_grads->find(2) == nullptr);
  CHECK(t.p.grad.data.empty());  // no table-sized gradient
  t.p.zero_grad();
  CHECK(t.p.row_grads->rows().empty());
  CHECK(t.p.grad_at(7) == 0);
  const Real* again = t.p.row_grads->add(1);  // takes the place row 3 had: zeroed, not its old values
  CHECK(again[0] == 0);
  CHECK(again[1] == 0);
}

TEST_CASE("adam lazy: true updates only the rows looked up, the default decays and moves every row") {
  const std::vector<Real> dense = run("{type: adam, learning_rate: 0.1}", true);
  const std::vector<Real> lazy = run("{type: adam, learning_rate: 0.1, lazy: true}", true);
  // Row 2 never looked up: lazy leaves it; dense too (its moments stay zero, so its step is zero).
  CHECK(lazy[4] == Real(0.5));
  CHECK(dense[4] == Real(0.5));
  // Row 1 looked up only at step 1: dense Adam keeps moving it with its decaying moment, lazy Adam does not.
  auto once = [] {
    auto opt =
        Optimizer::create(parse_function_value("{type: adam, learning_rate: 0.1}", optimizer_family()));
    EmbeddingTable t(true);
    t.step(*opt, {1, 3, 1}, Real(0.5));
    return to_vector(t.p.value.data);
  }();
  CHECK(lazy[2] == once[2]);
  CHECK(std::abs(dense[2] - once[2]) > 1e-3);
  // Row 3, looked up at steps 1 and 3: lazy Adam's moments skipped step 2's decay, so it differs from dense.
  CHECK(lazy[6] != dense[6]);
}
