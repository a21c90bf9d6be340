// pad_sequences as Keras defines it, and the `sequences` data type on small logs made here.
#include "interpreter/data/sequences.hpp"

#include <doctest/doctest.h>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/data/dataset.hpp"
#include "interpreter/graph/model.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

TEST_CASE("pad_sequences: every padding and truncating combination, as Keras") {
  const std::vector<std::vector<Real>> seqs{{1, 2, 3, 4, 5}, {6, 7}, {}};
  auto rows = [](const Tensor& t) { return to_vector(t.data); };
  CHECK(rows(pad_sequences(seqs, 3, "pre", "pre")) == std::vector<Real>{3, 4, 5, 0, 6, 7, 0, 0, 0});
  CHECK(rows(pad_sequences(seqs, 3, "pre", "post")) == std::vector<Real>{1, 2, 3, 0, 6, 7, 0, 0, 0});
  CHECK(rows(pad_sequences(seqs, 3, "post", "pre")) == std::vector<Real>{3, 4, 5, 6, 7, 0, 0, 0, 0});
  CHECK(rows(pad_sequences(seqs, 3, "post", "post")) == std::vector<Real>{1, 2, 3, 6, 7, 0, 0, 0, 0});
  const Tensor longest = pad_sequences(seqs, 0, "pre", "pre", -1);
  CHECK(longest.shape == Shape{3, 5});
  CHECK(rows(longest) == std::vector<Real>{1, 2, 3, 4, 5, -1, -1, -1, 6, 7, -1, -1, -1, -1, -1});
}

namespace {

std::string sequence_config(const TempDir& dir, const std::string& events, const std::string& labels,
                            const std::string& extra = "") {
  return "name: seq\nseed: 1\ninputs: {h: {shape: [3], dtype: int32}}\nlayers:\n"
         "  - {name: emb, type: Embedding, input_dim: 6, output_dim: 2, mask_zero: true}\n"
         "  - {name: rnn, type: SimpleRNN, units: 2}\n  - {name: y, type: Dense, units: 1, activation: "
         "sigmoid}\n"
         "compile: {loss: bce}\n"
         "data:\n  type: sequences\n  events: {path: " +
         dir.write("events.tsv", events) +
         "}\n"
         "  labels: {path: " +
         dir.write("labels.txt", labels) + ", classes: [a, b]}\n  maxlen: 3\n" + extra;
}

std::string error_of(const std::string& text) {
  try {
    Model model(parse_model_spec(text, "seq.yaml"));
    load_data(model.spec(), model, {1}, true);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("sequences: histories in time order per user, padded, labels joined by user") {
  TempDir dir;
  // user item rating time; user 2's events are out of order in the file.
  const std::string text = sequence_config(
      dir, "1\t3\t5\t10\n2\t4\t5\t30\n1\t5\t5\t20\n2\t1\t5\t10\n1\t2\t5\t30\n1\t1\t5\t40\n", "1|b\n2|a\n");
  Model model(parse_model_spec(text, "seq.yaml"));
  const DataSplits s = load_data(model.spec(), model, {1}, true);
  REQUIRE(s.train);
  // Users come in a seeded random order; find each by its label.
  const auto& x = s.train->inputs[0].values.data;
  const auto& y = s.train->targets[0].values.data;
  REQUIRE(y.size() == 2);
  const size_t user1 = y[0] == 1 ? 0 : 1, user2 = 1 - user1;
  CHECK(std::vector<Real>(x.begin() + 3 * user1, x.begin() + 3 * user1 + 3) ==
        std::vector<Real>{5, 2, 1});  // latest 3
  CHECK(std::vector<Real>(x.begin() + 3 * user2, x.begin() + 3 * user2 + 3) ==
        std::vector<Real>{0, 1, 4});  // padded
}

TEST_CASE("sequences: bad ids and missing labels name the file and line") {
  TempDir dir;
  CHECK(error_of(sequence_config(dir, "1\t3\t5\t10\n1\t9\t5\t11\n", "1|a\n")) ==
        dir.path("events.tsv") + ":2: error: item id 9 >= input_dim 6 of layer 'emb'");
  CHECK(error_of(sequence_config(dir, "1\t3\t5\t10\n1\t0\t5\t11\n", "1|a\n")) ==
        dir.path("events.tsv") + ":2: error: item id 0 is the padding id; item ids start at 1");
  CHECK(error_of(sequence_config(dir, "1\t3\t5\t10\n7\t2\t5\t11\n", "1|a\n")) ==
        dir.path("events.tsv") + ":2: error: user 7 has no label in " + dir.path("labels.txt"));
  CHECK(error_of(sequence_config(dir, "1\t3\t5\t10\n", "1|c\n")) ==
        dir.path("labels.txt") + ":1: error: label 'c' is not one of the classes");
  CHECK(error_of(sequence_config(dir, "1\tx\t5\t10\n", "1|a\n")) ==
        dir.path("events.tsv") + ":1: error: column 1: 'x' is not a number");
  // The same label twice is fine; two different ones is a contradiction in the file.
  CHECK(error_of(sequence_config(dir, "1\t3\t5\t10\n", "1|a\n1|a\n")) == "(no error)");
  CHECK(error_of(sequence_config(dir, "1\t3\t5\t10\n", "1|a\n2|b\n1|b\n")) ==
        dir.path("labels.txt") + ":3: error: user 1 is labelled 'b' here and 'a' at line 1");
}
