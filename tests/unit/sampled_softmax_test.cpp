// TF's candidate samplers and the sampled softmax loss re-derived by hand: probabilities, draws, expected
// counts with and without repetitions, the log-Q correction and accidental hits.
#include "interpreter/train/sampled_softmax.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

TEST_CASE("candidate samplers: distributions, draws and TF's expected counts") {
  CandidateSampler uniform(CandidateSampler::Kind::Uniform, 1, 11);
  CandidateSampler zipf(CandidateSampler::Kind::LogUniform, 1, 11);
  CandidateSampler freq(CandidateSampler::Kind::Frequency, 1, 11, 0.5);
  std::vector<double> counts(11, 0.0);
  counts[2] = 9, counts[5] = 4, counts[7] = 1;  // distortion 0.5: weights 3, 2, 1
  freq.set_counts(counts);
  CHECK(freq.drawable() == 3);
  CHECK(freq.probability(2) == doctest::Approx(0.5));
  CHECK(freq.probability(5) == doctest::Approx(2.0 / 6));
  CHECK(freq.probability(3) == 0.0);
  // log_uniform: P(k) = log((k + 2) / (k + 1)) / log(range + 1) for k = id - first.
  CHECK(zipf.probability(1) == doctest::Approx(std::log(2.0) / std::log(11.0)));
  CHECK(zipf.probability(10) == doctest::Approx(std::log(11.0 / 10.0) / std::log(11.0)));
  for (auto* s : {&uniform, &zipf, &freq}) {
    double total = 0;
    for (Index id = 0; id < 12; ++id) total += s->probability(id);
    CHECK(total == doctest::Approx(1.0));
    CHECK(s->probability(0) == 0.0);  // the padding id is not a candidate
  }
  // Single draws follow the distribution (within 5 standard deviations over 40000 draws).
  for (auto* s : {&uniform, &zipf, &freq}) {
    Random rng(3);
    std::vector<double> seen(12, 0.0);
    std::vector<Index> out;
    const int n = 40000;
    Index tries = 0;
    for (int i = 0; i < n; ++i) {
      tries += s->sample_unique(1, rng, out);
      seen[out[0]] += 1;
    }
    CHECK(tries == n);  // one distinct id always takes one draw
    for (Index id = 0; id < 12; ++id) {
      const double p = s->probability(id);
      CHECK_MESSAGE(std::abs(seen[id] / n - p) <= 5 * std::sqrt(p * (1 - p) / n) + 1e-12, "id " << id);
    }
  }
  // Unique draws: distinct ids; expected counts p * n without repeats, 1 - (1 - p)^tries with them.
  Random rng(4);
  std::vector<Index> out;
  const Index tries = zipf.sample_unique(6, rng, out);
  CHECK(out.size() == 6);
  std::vector<Index> sorted = out;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::unique(sorted.begin(), sorted.end()) == sorted.end());
  CHECK(tries >= 6);
  const double p = zipf.probability(3);
  CHECK(zipf.expected_count(3, 6, 6) == doctest::Approx(6 * p));
  CHECK(zipf.expected_count(3, 6, 9) == doctest::Approx(1 - std::pow(1 - p, 9)));
}

TEST_CASE("sampled softmax: the training loss is TF's, re-derived from the drawn sample") {
  for (const bool remove_hits : {true, false}) {
    const Value spec = parse_function_value(
        std::string("{type: sampled_softmax, item_embedding: t, num_sampled: 3, sampler: uniform, "
                    "remove_accidental_hits: ") +
            (remove_hits ? "true" : "false") + "}",
        loss_family());
    SampledSoftmax loss(spec);
    Tensor table({5, 2}), table_grad({5, 2});
    table.data = {0, 0, 0.5f, -1, 1, 0.25f, -0.5f, 2, 0.75f, 0.5f};
    loss.bind_table(&table, &table_grad, true);  // ids 1..4
    Tensor u({3, 2}), target({3, 1}), grad;
    u.data = {1, 2, -1, 0.5f, 0.3f, -0.7f};
    target.data = {1, 2, 4};
    Random rng(11);
    const double got = loss.compute(u, target, grad, nullptr, &rng);
    const auto& sample = loss.last_sample();
    const Index tries = loss.last_tries();
    // Expected count of any id under uniform unique sampling over 4 ids.
    const double q = tries == 3 ? 3 * 0.25 : 1 - std::pow(0.75, static_cast<double>(tries));
    double expected = 0;
    for (Index b = 0; b < 3; ++b) {
      auto dot = [&](Index id) {
        return u.data[b * 2] * table.data[id * 2] + u.data[b * 2 + 1] * table.data[id * 2 + 1];
      };
      const Index y = static_cast<Index>(target.data[b]);
      double sum = std::exp(dot(y) - std::log(q));
      for (Index s : sample)
        if (!(remove_hits && s == y)) sum += std::exp(dot(s) - std::log(q));
      expected += std::log(sum) - (dot(y) - std::log(q));
    }
    CHECK(got == doctest::Approx(expected / 3).epsilon(1e-5));
  }
}

TEST_CASE("sampled softmax: the evaluation loss is the full softmax over every item but the padding") {
  const Value spec =
      parse_function_value("{type: sampled_softmax, item_embedding: t, num_sampled: 2}", loss_family());
  SampledSoftmax loss(spec);
  Tensor table({5, 2}), table_grad({5, 2});
  table.data = {9, 9, 0.5f, -1, 1, 0.25f, -0.5f, 2, 0.75f, 0.5f};  // row 0 is padding: never a class
  loss.bind_table(&table, &table_grad, true);
  Tensor u({3, 2}), target({3, 1}), weights({3}), grad;
  u.data = {1, 2, -1, 0.5f, 0.3f, -0.7f};
  target.data = {1, 2, 4};
  weights.data = {1, 0, 0.5f};
  auto row_loss = [&](Index b) {
    auto dot = [&](Index id) {
      return static_cast<double>(u.data[b * 2]) * table.data[id * 2] +
             static_cast<double>(u.data[b * 2 + 1]) * table.data[id * 2 + 1];
    };
    double sum = 0;
    for (Index id = 1; id < 5; ++id) sum += std::exp(dot(id));
    return std::log(sum) - dot(static_cast<Index>(target.data[b]));
  };
  // value() is what evaluation calls (no gradient); compute() without a generator gives the same loss.
  const double all = (row_loss(0) + row_loss(1) + row_loss(2)) / 3;
  CHECK(loss.value(u, target) == doctest::Approx(all).epsilon(1e-6));
  CHECK(loss.compute(u, target, grad) == doctest::Approx(all).epsilon(1e-6));
  const double weighted = (row_loss(0) + 0.5 * row_loss(2)) / 1.5;
  CHECK(loss.value(u, target, &weights) == doctest::Approx(weighted).epsilon(1e-6));
  CHECK(loss.compute(u, target, grad, &weights) == doctest::Approx(weighted).epsilon(1e-6));
  target.data[1] = 0;  // the padding id is no item
  CHECK_THROWS_WITH_AS(loss.value(u, target), doctest::Contains("not an item id in [1, 5)"), TrainingError);
}
