// The executor's buffers: a Flatten or Reshape over a model input that nothing else reads takes the input's
// buffer in training instead of copying it; every batch must still reach it, and an input that another layer
// reads must be left as it was.
#include "interpreter/graph/model.hpp"

#include <doctest/doctest.h>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/core/random.hpp"
#include "interpreter/spec/model_spec.hpp"

using namespace yamlnet;

namespace {

// Fills model input 0 with `rows` rows of (3, 2) values that start at `first` and count up.
void feed(Model& model, Index rows, Real first) {
  Tensor& x = model.input_buffer(0);
  x.resize({rows, 3, 2});
  for (Index i = 0; i < x.size(); ++i) x.data[static_cast<size_t>(i)] = first + static_cast<Real>(i);
}

void check_counts_up(const Tensor& t, Index rows, Real first) {
  REQUIRE(t.shape == Shape{rows, 6});
  for (Index i = 0; i < t.size(); ++i) CHECK(t.data[static_cast<size_t>(i)] == first + static_cast<Real>(i));
}

}  // namespace

TEST_CASE("a Flatten over an input only it reads sees every batch, in training and in inference") {
  Model model(parse_model_spec(R"(inputs: {x: {shape: [3, 2]}}
layers:
  - {name: flat, type: Flatten}
  - {name: out, type: Dense, units: 2}
)",
                               "t.yaml"));
  model.initialize(1);
  const int flat = model.node_index("flat");
  Random rng(3);
  // Batches of different sizes and values, alternating modes: a stale buffer or a lost batch would show.
  const std::vector<std::pair<Index, Mode>> batches{{4, Mode::Training},
                                                    {4, Mode::Training},
                                                    {2, Mode::Training},
                                                    {3, Mode::Inference},
                                                    {4, Mode::Training}};
  Real first = 0;
  for (const auto& [rows, mode] : batches) {
    feed(model, rows, first);
    model.forward(RunContext{mode, &rng});
    check_counts_up(model.layer_output(flat), rows, first);
    CHECK(model.output(0).shape == Shape{rows, 2});
    first += 100;
  }
}

TEST_CASE("a Flatten copies an input that another layer also reads") {
  Model model(parse_model_spec(R"(inputs: {x: {shape: [3, 2]}}
layers:
  - {name: flat, type: Flatten, inputs: x}
  - {name: other, type: Reshape, target_shape: [6], inputs: x}
  - {name: sum, type: Add, inputs: [flat, other]}
)",
                               "t.yaml"));
  Random rng(3);
  feed(model, 2, 1);
  model.forward(RunContext{Mode::Training, &rng});
  check_counts_up(model.layer_output(model.node_index("flat")), 2, 1);
  check_counts_up(model.layer_output(model.node_index("other")), 2, 1);
  REQUIRE(model.input_buffer(0).shape == Shape{2, 3, 2});
  CHECK(model.input_buffer(0).data[5] == 6);
  CHECK(model.output(0).data[5] == 12);
}
