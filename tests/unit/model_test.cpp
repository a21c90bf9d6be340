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

// An input of (3, 2) values, flattened into a Dense of 2 units.
const char* const kFlattenThenDense = R"(inputs: {x: {shape: [3, 2]}}
layers:
  - {name: flat, type: Flatten}
  - {name: out, type: Dense, units: 2}
)";

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
  Model model(parse_model_spec(kFlattenThenDense, "t.yaml"));
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

TEST_CASE(
    "a model moved after planning runs the same as before: the executor holds no pointer to its graph") {
  Model before(parse_model_spec(kFlattenThenDense, "t.yaml"));
  before.initialize(5);
  Random rng(3);
  feed(before, 2, 1);
  before.forward(RunContext{Mode::Inference, &rng});
  const std::vector<Real> expected(before.output(0).data.begin(), before.output(0).data.end());

  Model moved(parse_model_spec(kFlattenThenDense, "t.yaml"));
  moved.initialize(5);
  Model model = std::move(moved);
  feed(model, 2, 1);
  model.forward(RunContext{Mode::Inference, &rng});
  REQUIRE(model.output(0).size() == 4);
  for (size_t i = 0; i < expected.size(); ++i) CHECK(model.output(0).data[i] == expected[i]);
  CHECK(expected != std::vector<Real>(4, Real(0)));
}

TEST_CASE("a graph is built without buffers, with its shapes, inputs and parameters") {
  Graph graph(parse_model_spec(kFlattenThenDense, "t.yaml"));
  CHECK(graph.num_inputs() == 1);
  CHECK(graph.output_shape(0) == Shape{2});
  CHECK(graph.count_params(true) == 6 * 2 + 2);
  CHECK(graph.parameters().size() == 2);
}

TEST_CASE("a location's file name is kept once per process and reads back as written") {
  const std::string long_name = "configs/a/rather/long/path/to/model.yaml";
  SourceLoc a{long_name, 3, 4}, b{std::string(long_name), 5, 6};
  CHECK(&a.file.str() == &b.file.str());
  CHECK(a.str() == long_name + ":3:4");
  CHECK(SourceLoc{}.str() == "<config>");
  CHECK(SourceLoc{"other.yaml", 0, 0}.str() == "other.yaml");
}
