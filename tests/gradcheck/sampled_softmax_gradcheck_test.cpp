// Sampled softmax against finite differences (user vectors and the item table) with a fixed sample, and
// against the full softmax it estimates: with every item sampled and no log-Q correction they are equal.
#include <doctest/doctest.h>

#include <cmath>

#include "interpreter/spec/arg_parser.hpp"
#include "interpreter/train/sampled_softmax.hpp"
#include "tests/gradcheck/gradcheck.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

std::unique_ptr<SampledSoftmax> make_loss(const std::string& yaml) {
  DiagnosticSink sink("test");
  ArgSpec spec("loss", ArgType::Function, Value::none(), "");
  spec.family = &loss_family();
  const Value v = parse_arg(YAML::Load(yaml), spec, sink);
  REQUIRE_FALSE(sink.has_errors());
  return std::make_unique<SampledSoftmax>(v);
}

constexpr uint64_t kSampleSeed = 99;

// The loss with the sample fixed by re-seeding the generator for every evaluation.
double loss_at(SampledSoftmax& loss, const Tensor& u, const Tensor& target, const Tensor* weights,
               bool sampled, Tensor& grad) {
  Random rng(kSampleSeed);
  return loss.compute(u, target, grad, weights, sampled ? &rng : nullptr);
}

void check_against_differences(const std::string& yaml, bool padding, bool sampled, const Tensor* weights) {
  auto loss = make_loss(yaml);
  Tensor table = random_tensor(7, {4}, 3), table_grad({7, 4});
  loss->bind_table(&table, &table_grad, padding);
  Tensor u = random_tensor(5, {4}, 4, -2, 2);
  const Tensor target = [] {
    Tensor t({5, 1});
    t.data = {1, 3, 6, 3, 2};
    return t;
  }();
  Tensor grad, scratch;
  table_grad.set_zero();
  loss_at(*loss, u, target, weights, sampled, grad);
  const Tensor analytic_table = table_grad;
  const double eps = 1e-6;
  auto numeric = [&](Tensor& x, Index i) {
    const Real saved = x.data[i];
    x.data[i] = saved + eps;
    const double plus = loss_at(*loss, u, target, weights, sampled, scratch);
    x.data[i] = saved - eps;
    const double minus = loss_at(*loss, u, target, weights, sampled, scratch);
    x.data[i] = saved;
    return (plus - minus) / (2 * eps);
  };
  for (Index i = 0; i < u.size(); ++i) {
    const double n = numeric(u, i);
    CHECK_MESSAGE(std::abs(grad.data[i] - n) <= 1e-6 * std::max(1.0, std::abs(n)),
                  yaml << " d/du[" << i << "]: " << grad.data[i] << " vs " << n);
  }
  if (!sampled) return;  // evaluation does not train the table
  for (Index i = 0; i < table.size(); ++i) {
    const double n = numeric(table, i);
    CHECK_MESSAGE(std::abs(analytic_table.data[i] - n) <= 1e-6 * std::max(1.0, std::abs(n)),
                  yaml << " d/dW[" << i << "]: " << analytic_table.data[i] << " vs " << n);
  }
}

}  // namespace

TEST_CASE("gradcheck: sampled softmax, user vectors and item table, with a fixed sample") {
  const Tensor weights = [] {
    Tensor w({5, 1});
    w.data = {1, 0, 1, 1, 1};
    return w;
  }();
  for (const char* sampler : {"uniform", "log_uniform"})
    for (const char* hits : {"true", "false"})
      for (const char* log_q : {"true", "false"}) {
        const std::string yaml =
            std::string("{type: sampled_softmax, item_embedding: t, num_sampled: 4, sampler: ") + sampler +
            ", remove_accidental_hits: " + hits + ", subtract_log_q: " + log_q + "}";
        check_against_differences(yaml, true, true, nullptr);
        check_against_differences(yaml, false, true, &weights);
      }
  // The full softmax of evaluation.
  check_against_differences("{type: sampled_softmax, item_embedding: t}", true, false, nullptr);
  check_against_differences("{type: sampled_softmax, item_embedding: t}", false, false, &weights);
}

TEST_CASE("sampled softmax: sampling every item without log-Q equals the full softmax, loss and gradients") {
  // Ids 1..6 (0 is padding); 6 sampled = all of them; the true item is removed from the sample as an
  // accidental hit, which leaves exactly the full softmax over the catalogue.
  auto loss = make_loss(
      "{type: sampled_softmax, item_embedding: t, num_sampled: 6, sampler: uniform, subtract_log_q: false}");
  Tensor table = random_tensor(7, {3}, 8), table_grad({7, 3});
  loss->bind_table(&table, &table_grad, true);
  const Tensor u = random_tensor(4, {3}, 9, -2, 2);
  Tensor target({4, 1});
  target.data = {6, 1, 2, 2};
  Tensor g_sampled, g_full;
  Random rng(1);
  table_grad.set_zero();
  const double sampled = loss->compute(u, target, g_sampled, nullptr, &rng);
  const double full = loss->compute(u, target, g_full, nullptr, nullptr);
  CHECK(sampled == doctest::Approx(full).epsilon(1e-12));
  for (Index i = 0; i < u.size(); ++i)
    CHECK(g_sampled.data[i] == doctest::Approx(g_full.data[i]).epsilon(1e-12));
  // Padding row 0 is never sampled and never trained.
  for (Index c = 0; c < 3; ++c) CHECK(table_grad.data[c] == 0.0);
  // By hand for row 0: -log(exp(u.w6) / sum_{c=1..6} exp(u.w_c)).
  double sum = 0, mine = 0;
  for (Index c = 1; c < 7; ++c) {
    double dot = 0;
    for (Index d = 0; d < 3; ++d) dot += u.data[d] * table.data[c * 3 + d];
    sum += std::exp(dot);
    if (c == 6) mine = dot;
  }
  Tensor one_grad;
  Tensor one_u({1, 3}), one_target({1, 1});
  std::copy_n(u.data.begin(), 3, one_u.data.begin());
  one_target.data[0] = 6;
  CHECK(loss->compute(one_u, one_target, one_grad) == doctest::Approx(std::log(sum) - mine).epsilon(1e-12));
}
