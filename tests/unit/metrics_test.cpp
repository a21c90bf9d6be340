// Keras's metrics by hand: precision and recall at 0.5, AUC over Keras's 200 thresholds (ROC by trapezoids,
// PR by Davis & Goadrich's interpolation), top-k accuracies with ties at the boundary, and the ranking
// metrics mrr@K, map@K and precision@K.
#include "interpreter/train/metrics.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "interpreter/train/ranking.hpp"

using namespace yamlnet;

namespace {

Tensor column(std::vector<Real> values) {
  Tensor t({static_cast<Index>(values.size()), 1});
  t.data.assign(values.begin(), values.end());
  return t;
}

double metric_of(const std::string& name, const Tensor& pred, const Tensor& target,
                 const Tensor* weights = nullptr) {
  auto metric = Metric::create(name, pred.last_dim(), target.last_dim());
  metric->update(pred, target, weights);
  return metric->result();
}

}  // namespace

TEST_CASE("precision and recall count predictions above 0.5, weighted by the sample weights") {
  const Tensor pred = column({0.9f, 0.6f, 0.4f, 0.2f, 0.7f, 0.5f});
  const Tensor target = column({1, 0, 1, 0, 1, 1});
  // Above 0.5: rows 0, 1, 4 (0.5 itself is not); true positives 0 and 4, false positive 1; missed 2 and 5.
  CHECK(metric_of("precision", pred, target) == doctest::Approx(2.0 / 3.0));
  CHECK(metric_of("recall", pred, target) == doctest::Approx(2.0 / 4.0));
  const Tensor weights = column({2, 1, 3, 1, 1, 0});
  CHECK(metric_of("precision", pred, target, &weights) == doctest::Approx(3.0 / 4.0));
  CHECK(metric_of("recall", pred, target, &weights) == doctest::Approx(3.0 / 6.0));
  CHECK(metric_of("precision", column({0.1f}), column({1})) == 0.0);  // no predicted positive: 0, not NaN
}

TEST_CASE("auc: Keras's thresholds give the exact ROC area when no two scores share a bucket") {
  // Positives 0.9 and 0.52 against negatives 0.7, 0.31, 0.1: 0.9 beats all three, 0.52 two: 5 of 6.
  const Tensor pred = column({0.9f, 0.7f, 0.52f, 0.31f, 0.1f});
  const Tensor target = column({1, 0, 1, 0, 0});
  CHECK(metric_of("auc", pred, target) == doctest::Approx(5.0 / 6.0).epsilon(1e-9));
  CHECK(metric_of("exact_auc", pred, target) == doctest::Approx(5.0 / 6.0));
  // Two scores in one bucket (1/199 wide) are a tie: the trapezoid gives it half, as the exact area does.
  const Tensor close = column({0.4010f, 0.4020f});
  CHECK(metric_of("auc", close, column({1, 0})) == doctest::Approx(0.5));
  CHECK(metric_of("exact_auc", close, column({1, 0})) == doctest::Approx(0.0));
}

TEST_CASE("pr_auc: Davis & Goadrich's interpolation, worked by hand") {
  // The positive above the negative: precision is 1 at every recall, area 1.
  CHECK(metric_of("pr_auc", column({0.8f, 0.3f}), column({1, 0})) == doctest::Approx(1.0));
  // The negative above: between the two scores TP goes 1 -> 0 as P goes 2 -> 1, slope 1, intercept
  // TP_B - P_B = -1, so the interval adds (1 + (-1) * ln(2 / 1)) / (TP_B + FN_B = 1) = 1 - ln 2.
  CHECK(metric_of("pr_auc", column({0.8f, 0.3f}), column({0, 1})) == doctest::Approx(1.0 - std::log(2.0)));
}

TEST_CASE("top-k accuracies: the target among the 5 largest, ties at the boundary counted in") {
  Tensor pred({3, 7});
  pred.data = {0.7f, 0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f,   // target 4 is 5th: in
               0.7f, 0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f,   // target 5 is 6th: out
               0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.1f};  // target 5 ties the first: in
  Tensor sparse({3, 1});
  sparse.data = {4, 5, 5};
  CHECK(metric_of("sparse_top_k_categorical_accuracy", pred, sparse) == doctest::Approx(2.0 / 3.0));
  Tensor one_hot({3, 7});
  one_hot.set_zero();
  for (Index r = 0; r < 3; ++r) one_hot.data[r * 7 + static_cast<Index>(sparse.data[r])] = 1;
  CHECK(metric_of("top_k_categorical_accuracy", pred, one_hot) == doctest::Approx(2.0 / 3.0));
}

TEST_CASE("ranking metrics: mrr@K and map@K are 1 / position within K, precision@K is 1 / K on a hit") {
  const std::vector<Index> ranks{0, 2, 10};  // 0-based: positions 1, 3 and 11
  const Logs logs = metrics_from_ranks(ranks, {"mrr@5", "map@5", "precision@5", "hr@5", "mrr@20"});
  REQUIRE(logs.size() == 5);
  CHECK(logs[0].second == doctest::Approx((1.0 + 1.0 / 3.0) / 3.0));
  CHECK(logs[1].second == doctest::Approx((1.0 + 1.0 / 3.0) / 3.0));
  CHECK(logs[2].second == doctest::Approx((0.2 + 0.2) / 3.0));
  CHECK(logs[3].second == doctest::Approx(2.0 / 3.0));
  CHECK(logs[4].second == doctest::Approx((1.0 + 1.0 / 3.0 + 1.0 / 11.0) / 3.0));
  std::string kind;
  int k = 0;
  CHECK(parse_ranking_metric("map@12", kind, k));
  CHECK((kind == "map" && k == 12));
  CHECK_FALSE(parse_ranking_metric("mrr@0", kind, k));
  CHECK_FALSE(parse_ranking_metric("auc@5", kind, k));
}
