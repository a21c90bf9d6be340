// Work split over threads (interpreter/core/threads.hpp) computes what one thread computes: every block of a
// split product is written, a depth split's partial sums add up to the product, and training on two threads
// ends at the weights of one thread up to float rounding (a depth split adds partial sums in another order).
#include "interpreter/core/threads.hpp"

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/core/random.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/train/trainer.hpp"

using namespace yamlnet;

namespace {

// Weights after three Adam steps on 64 rows of random data, on `threads` threads; every third row's first
// ten steps are all zeros (padding, for a config with Masking).
std::vector<Real> weights_after_training(const std::string& config, int threads) {
  use_threads(threads);
  Model model(parse_model_spec("name: t\nseed: 1\n" + config, "t.yaml"));
  model.initialize(1);
  Trainer trainer(model, model.spec().compile, 1);
  Random rng(3);
  Dataset data;
  Tensor x(with_batch(64, model.input_node(0).output_shapes[0]));
  for (Real& v : x.data) v = static_cast<Real>(rng.uniform(-1, 1));
  const Index row = x.row_size();
  for (Index b = 0; b < 64; b += 3) std::fill_n(x.ptr() + b * row, std::min<Index>(row, 10 * 28), Real(0));
  Tensor y(with_batch(64, {1}));
  for (Real& v : y.data) v = static_cast<Real>(rng.below(3));
  data.inputs.push_back(DataArray{"x", x, "mem", {}});
  data.targets.push_back(DataArray{"y", y, "mem", {}});
  trainer.observe_training_targets(data);
  for (int s = 0; s < 3; ++s) trainer.train_on_batch(data, 0, 64);
  std::vector<Real> all;
  for (const auto& slot : model.parameters())
    all.insert(all.end(), slot.param->value.data.begin(), slot.param->value.data.end());
  use_threads(1);
  return all;
}

}  // namespace

// Without OpenMP (the sanitizer build) nothing is split, so only the training comparison runs there.
#ifdef _OPENMP
namespace {

using Matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Matrix random_matrix(Index rows, Index cols, uint64_t seed) {
  Random rng(seed);
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Real>(rng.uniform(-1, 1));
  return m;
}

}  // namespace

TEST_CASE("split_product writes every block of the product, by rows or by columns") {
  use_threads(2);
  for (const auto& [rows, depth, cols] :
       {std::array<Index, 3>{64, 300, 200}, std::array<Index, 3>{700, 80, 40},
        std::array<Index, 3>{37, 201, 333}}) {
    CAPTURE(rows);
    REQUIRE(product_threads(rows, depth, cols) == 2);
    const Matrix a = random_matrix(rows, depth, 1), b = random_matrix(depth, cols, 2);
    const Matrix whole = a * b;
    for (const SplitBy by : {SplitBy::larger_side, SplitBy::rows}) {
      Matrix c = Matrix::Constant(rows, cols, std::nanf(""));
      int blocks = 0;
      split_product(
          rows, depth, cols,
          [&](Index r, Index nr, Index k, Index nk) {
            c.block(r, k, nr, nk).noalias() = a.middleRows(r, nr) * b.middleCols(k, nk);
#pragma omp atomic
            ++blocks;
          },
          by);
      CHECK(blocks == 2);
      CHECK(!c.hasNaN());
      CHECK((c - whole).cwiseAbs().maxCoeff() <= 1e-4f);
    }
  }
  use_threads(1);
}

TEST_CASE(
    "split_depth's partial products add up to the product, split_elementwise, split_update and split_rows "
    "cover once") {
  use_threads(2);
  const Index rows = 32, depth = 784, cols = 128;
  const Matrix a = random_matrix(rows, depth, 3), b = random_matrix(depth, cols, 4);
  std::vector<Matrix> partial(2, Matrix::Zero(rows, cols));
  const Index pieces = split_depth(rows, depth, cols, [&](Index p, Index k, Index nk) {
    partial[static_cast<size_t>(p)].noalias() = a.middleCols(k, nk) * b.middleRows(k, nk);
  });
  CHECK(pieces == 2);
  CHECK((partial[0] + partial[1] - a * b).cwiseAbs().maxCoeff() <= 1e-4f);
  CHECK(partial[0].cwiseAbs().maxCoeff() > 0);
  CHECK(partial[1].cwiseAbs().maxCoeff() > 0);

  std::vector<int> visits(100003, 0);
  split_elementwise(static_cast<Index>(visits.size()), [&](Index begin, Index count) {
    for (Index i = begin; i < begin + count; ++i) ++visits[static_cast<size_t>(i)];
  });
  CHECK(std::count(visits.begin(), visits.end(), 1) == static_cast<long>(visits.size()));

  // An update of the MLP's 784 x 128 kernel is split; one of NeuMF's 1683 x 32 item table is not (two
  // threads made NeuMF slower), nor a 100-value bias.
  for (const Index n : {Index(784 * 128), Index(1683 * 32), Index(100)}) {
    std::vector<int> updated(static_cast<size_t>(n), 0);
    int pieces = 0;
    split_update(n, [&](Index begin, Index count) {
      for (Index i = begin; i < begin + count; ++i) ++updated[static_cast<size_t>(i)];
#pragma omp atomic
      ++pieces;
    });
    CHECK(pieces == (n == 784 * 128 ? 2 : 1));
    CHECK(std::count(updated.begin(), updated.end(), 1) == n);
  }

  // An LSTM(128)'s gates at batch 64 are split into two bands of rows that cover the batch once.
  std::vector<int> row_visits(64, 0);
  int bands = 0;
  split_rows(64, 512, [&](Index first, Index count) {
    for (Index r = first; r < first + count; ++r) ++row_visits[static_cast<size_t>(r)];
#pragma omp atomic
    ++bands;
  });
  CHECK(bands == 2);
  CHECK(std::count(row_visits.begin(), row_visits.end(), 1) == 64);
  use_threads(1);
}

#endif  // _OPENMP

TEST_CASE("training on two threads ends where one thread does, up to float rounding") {
  const std::string mlp = R"(inputs: {x: {shape: [28, 28]}}
layers:
  - {type: Flatten}
  - {type: Dense, units: 128, activation: relu}
  - {type: Dense, units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
)";
  const std::string lstm = R"(inputs: {x: {shape: [28, 28]}}
layers:
  - {type: LSTM, units: 128}
  - {type: Dense, units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
)";
#ifdef _OPENMP
  // Both are large enough to be split: the MLP's first product, and the LSTM's time loop into two bands of
  // 32 sequences (the GRU's and SimpleRNN's below too).
  use_threads(2);
  REQUIRE(product_threads(64, 784, 128) == 2);
  REQUIRE(sequence_bands(64, 28.0 * 64 * 128 * 512) == 2);
  REQUIRE(sequence_bands(64, 28.0 * 64 * 64 * 64) == 2);
#endif
  // Padded steps: the LSTM keeps a masked row's states, in each thread's band of rows.
  const std::string masked_lstm = R"(inputs: {x: {shape: [28, 28]}}
layers:
  - {type: Masking}
  - {type: LSTM, units: 128}
  - {type: Dense, units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
)";
  // GRU and SimpleRNN run the same time loop split by rows; reset_after false and recurrent dropout take the
  // GRU's other branches (its own recurrent_backward, a dropout mask read by band).
  const std::string gru = R"(inputs: {x: {shape: [28, 28]}}
layers:
  - {type: GRU, units: 64, reset_after: false, recurrent_dropout: 0.2, return_sequences: true}
  - {type: SimpleRNN, units: 64}
  - {type: Dense, units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
)";
  // The other paths of the band loop: a mask with Bidirectional (zeros at masked steps, go_backwards on its
  // backward layer), input dropout, return_sequences into a layer that reads the sequence backwards.
  const std::string bidirectional = R"(inputs: {x: {shape: [28, 28]}}
layers:
  - {type: Masking}
  - {type: Bidirectional, layer: {type: LSTM, units: 32, return_sequences: true, dropout: 0.1}}
  - {type: GRU, units: 32, go_backwards: true}
  - {type: Dense, units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
)";
  for (const std::string& config : {mlp, lstm, masked_lstm, gru, bidirectional}) {
    const std::vector<Real> one = weights_after_training(config, 1);
    const std::vector<Real> two = weights_after_training(config, 2);
    REQUIRE(one.size() == two.size());
    double worst = 0;
    for (size_t i = 0; i < one.size(); ++i) worst = std::max(worst, std::abs(double(one[i]) - two[i]));
    CAPTURE(config);
    CHECK(worst <= 1e-5);
  }
}
