// Each loss against its formula, on the worked examples of Keras's documentation (recomputed by hand in the
// comments) and on cases picked to reach each branch (clips, hinge margins, Huber's delta).
#include "interpreter/train/losses.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

Tensor rows(Index count, std::vector<Real> values) {
  Tensor t({count, static_cast<Index>(values.size()) / count});
  t.data.assign(values.begin(), values.end());
  return t;
}

// The batch loss of `loss` (a YAML loss spec), with the logits of a sigmoid/softmax output when `logits`.
double loss_of(const std::string& loss, const Tensor& pred, const Tensor& target, bool logits = false) {
  auto l = Loss::create(parse_function_value(loss, loss_family()));
  if (logits) l->set_logits_input(true);
  Tensor grad;
  return l->compute(pred, target, grad);
}

// Keras's documentation examples: y_true = [[0, 1], [0, 0]], y_pred = [[0.6, 0.4], [0.4, 0.6]].
const Tensor kTrue = rows(2, {0, 1, 0, 0});
const Tensor kPred = rows(2, {0.6f, 0.4f, 0.4f, 0.6f});

}  // namespace

TEST_CASE("hinge losses: 0/1 targets read as -1/1 over the whole batch, margins below zero count nothing") {
  // Targets -1, 1 / -1, -1: rows (1.6 + 0.6) / 2 and (1.4 + 1.6) / 2.
  CHECK(loss_of("hinge", kPred, kTrue) == doctest::Approx(1.3).epsilon(1e-6));
  // Squared: (2.56 + 0.36) / 2 and (1.96 + 2.56) / 2.
  CHECK(loss_of("squared_hinge", kPred, kTrue) == doctest::Approx(1.86).epsilon(1e-6));
  // A target of 0.5 anywhere in the batch: no conversion. 1 - 0.5 * 3 < 0 counts nothing; 1 - 1 * 0.4.
  CHECK(loss_of("hinge", rows(1, {3, 0.4f}), rows(1, {0.5f, 1})) == doctest::Approx(0.3).epsilon(1e-6));
  // categorical: max((1 - y) p) - sum(y p) + 1: 0.6 - 0.4 + 1 and 0.6 - 0 + 1.
  CHECK(loss_of("categorical_hinge", kPred, kTrue) == doctest::Approx(1.4).epsilon(1e-6));
  CHECK(loss_of("categorical_hinge", rows(1, {0.1f, 2.0f}), rows(1, {0, 1})) == 0.0);
}

TEST_CASE("regression losses: Keras's formulas and epsilons") {
  // huber, delta 1: every |e| <= 1: 0.5 e^2: (0.18 + 0.18) / 2 and (0.08 + 0.18) / 2.
  CHECK(loss_of("huber", kPred, kTrue) == doctest::Approx(0.155).epsilon(1e-6));
  // delta 0.5: |0.6| > 0.5 gives 0.5 * 0.6 - 0.125; |0.4| gives 0.08.
  CHECK(loss_of("{type: huber, delta: 0.5}", rows(1, {0.6f, 0.4f}), rows(1, {0, 0})) ==
        doctest::Approx((0.175 + 0.08) / 2).epsilon(1e-6));
  const double lc = (std::log(std::cosh(0.6)) * 3 + std::log(std::cosh(0.4))) / 4;
  CHECK(loss_of("log_cosh", kPred, kTrue) == doctest::Approx(lc).epsilon(1e-6));
  CHECK(loss_of("log_cosh", rows(1, {400}), rows(1, {0})) == doctest::Approx(400 - std::log(2.0)));
  // poisson: y_pred - y_true log(y_pred + eps): row (1 + 1 - log(1 + 1e-7)) / 2, row 0.
  CHECK(loss_of("poisson", rows(2, {1, 1, 0, 0}), kTrue) == doctest::Approx(0.5).epsilon(1e-6));
  // kl_divergence sums: 1 * log(1 / 0.4) plus the clipped zeros' 1e-7 log(1e-7 / p).
  const double kl = (std::log(1 / 0.4) + 1e-7 * std::log(1e-7 / 0.6) + 1e-7 * std::log(1e-7 / 0.4) +
                     1e-7 * std::log(1e-7 / 0.6)) /
                    2;
  CHECK(loss_of("kld", kPred, kTrue) == doctest::Approx(kl).epsilon(1e-6));
  // mape: 100 |y - p| / max(|y|, eps): rows (50 + 0) / 2 and (50 + 100) / 2.
  CHECK(loss_of("mape", rows(2, {1, 1, 1, 0}), rows(2, {2, 1, 2, 3})) == doctest::Approx(50).epsilon(1e-6));
  // msle: (log(1 + 1) - log(1 + 1e-7))^2 in one element of each row.
  const double ms = std::pow(std::log(2.0) - std::log1p(1e-7), 2) / 2;
  CHECK(loss_of("msle", rows(2, {1, 1, 1, 0}), kTrue) == doctest::Approx(ms).epsilon(1e-6));
  // cosine_similarity: -cos: 0 for orthogonal rows, -1 for parallel ones.
  CHECK(loss_of("cosine_similarity", rows(2, {1, 0, 1, 1}), rows(2, {0, 1, 1, 1})) ==
        doctest::Approx(-0.5).epsilon(1e-6));
  CHECK(loss_of("cosine_similarity", rows(1, {0, 0}), rows(1, {0, 1})) == 0.0);
}

TEST_CASE("focal cross-entropies and label smoothing") {
  // (1 - p_t)^2 * bce per element: 0.36 * -log(0.4) twice; 0.16 * -log(0.6) and 0.36 * -log(0.4).
  const double l4 = -std::log(0.4 + 1e-7), l6 = -std::log(0.6 + 1e-7);
  CHECK(loss_of("binary_focal_crossentropy", kPred, kTrue) ==
        doctest::Approx((0.36 * l4 + (0.16 * l6 + 0.36 * l4) / 2) / 2).epsilon(1e-6));
  // Class balancing: alpha 0.25 for class 1, 0.75 for class 0.
  CHECK(loss_of("{type: binary_focal_crossentropy, apply_class_balancing: true}", kPred, kTrue) ==
        doctest::Approx(((0.75 + 0.25) * 0.36 * l4 / 2 + 0.75 * (0.16 * l6 + 0.36 * l4) / 2) / 2)
            .epsilon(1e-6));
  // gamma 0 without balancing is binary_crossentropy.
  CHECK(loss_of("{type: binary_focal_crossentropy, gamma: 0}", kPred, kTrue) ==
        doctest::Approx(loss_of("binary_crossentropy", kPred, kTrue)).epsilon(1e-9));
  // On logits: p = sigmoid(z); one element, y = 1, z = 0.5.
  const double p = 1 / (1 + std::exp(-0.5));
  CHECK(loss_of("binary_focal_crossentropy", rows(1, {0.5f}), rows(1, {1}), true) ==
        doctest::Approx(std::pow(1 - p, 2) * -std::log(p)).epsilon(1e-6));
  // categorical: -0.25 (1 - q)^2 log q of the target class: q = 0.95 and q = 0.1.
  const double cf = (0.25 * 0.0025 * -std::log(0.95) + 0.25 * 0.81 * -std::log(0.1)) / 2;
  CHECK(loss_of("categorical_focal_crossentropy", rows(2, {0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f}),
                rows(2, {0, 1, 0, 0, 0, 1})) == doctest::Approx(cf).epsilon(1e-5));
  // Label smoothing 0.2: binary targets 0.1 / 0.9; categorical 1 - 0.2 + 0.2 / 2 and 0.2 / 2.
  const double bce = -(0.9 * std::log(0.4 + 1e-7) + 0.1 * std::log(0.6 + 1e-7));
  CHECK(loss_of("{type: binary_crossentropy, label_smoothing: 0.2}", rows(1, {0.4f}), rows(1, {1})) ==
        doctest::Approx(bce).epsilon(1e-6));
  const double cce = -(0.9 * std::log(0.4) + 0.1 * std::log(0.6));
  CHECK(loss_of("{type: categorical_crossentropy, label_smoothing: 0.2}", rows(1, {0.6f, 0.4f}),
                rows(1, {0, 1})) == doctest::Approx(cce).epsilon(1e-6));
  CHECK(loss_of("{type: categorical_crossentropy, label_smoothing: 0.2}", rows(1, {0.3f, -0.2f}),
                rows(1, {0, 1}), true) ==
        doctest::Approx(-(0.1 * 0.3 + 0.9 * -0.2) + std::log(std::exp(0.3) + std::exp(-0.2))).epsilon(1e-6));
}
