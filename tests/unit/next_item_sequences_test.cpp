// The next-item (YouTube-DNN) pipeline on a small log made here: examples, held-out items, pad_sequences's
// four pre/post combinations and the reversed history, id checks; full-catalogue ranks; the most-popular
// baseline; export and recommend against values computed here from the weights.
#include "interpreter/data/next_item_sequences.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "interpreter/app/session.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/weights.hpp"
#include "interpreter/train/ranking.hpp"
#include "interpreter/train/run_data.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

// user item rating time, not in time order: user 1 had 1, 2, 3, 4, 5; user 2 had 6, 2, 7; user 3 had 8, 1.
const char* kHistoryLog =
    "1\t2\t5\t20\n1\t1\t5\t10\n1\t3\t3\t30\n2\t6\t5\t10\n1\t4\t5\t40\n2\t2\t1\t15\n1\t5\t4\t50\n2\t7\t5\t20\n"
    "3\t8\t4\t1\n3\t1\t4\t2\n";

std::string history_config(const std::string& log, const std::string& extra = "", int item_dim = 9) {
  return "name: yt\nseed: 3\ninputs:\n  history: {shape: [3], dtype: int32}\n  user: {shape: [1], dtype: "
         "int32}\n"
         "  length: {shape: [1]}\nlayers:\n"
         "  - {name: items, type: Embedding, inputs: history, input_dim: " +
         std::to_string(item_dim) +
         ", output_dim: 2, mask_zero: true}\n"
         "  - {name: pooled, type: SequencePooling, inputs: [items, length], mode: mean}\n"
         "  - {name: user_ids, type: Embedding, inputs: user, input_dim: 4, output_dim: 2}\n"
         "  - {name: user_flat, type: Flatten}\n"
         "  - {name: both, type: Concatenate, inputs: [pooled, user_flat]}\n"
         "  - {name: user_vector, type: Dense, units: 2}\n"
         "compile: {optimizer: adam, loss: {type: sampled_softmax, item_embedding: items, num_sampled: 3}, "
         "metrics: [hr@2, recall@2, ndcg@2]}\n"
         "data: {type: next_item_sequences, path: " +
         log + ", max_len: 3, user_input: user, length_input: length" + extra +
         "}\n"
         "fit: {epochs: 1, batch_size: 2, verbose: 0}\n";
}

std::vector<Real> row(const Dataset& ds, size_t input, Index r) {
  const Tensor& t = ds.inputs[input].values;
  return std::vector<Real>(t.data.begin() + r * t.row_size(), t.data.begin() + (r + 1) * t.row_size());
}

std::vector<Real> reals(std::initializer_list<double> v) {
  return std::vector<Real>(v.begin(), v.end());
}

}  // namespace

TEST_CASE("next-item sequences: examples, held-out items, lengths and seen items") {
  TempDir dir;
  Model model(parse_model_spec(history_config(dir.write("log.tsv", kHistoryLog)), "yt.yaml"));
  const NextItemSequences data(model.spec(), model);
  // Training: user 1 keeps 1, 2, 3 (4 validates, 5 tests) -> (1 -> 2), (1 2 -> 3); users 2 and 3 keep one
  // item.
  const Dataset train = data.training_examples();
  REQUIRE(train.size() == 2);
  CHECK(row(train, 0, 0) == reals({0, 0, 1}));
  CHECK(row(train, 0, 1) == reals({0, 1, 2}));
  CHECK(to_vector(train.targets[0].values.data) == reals({2, 3}));
  CHECK(row(train, 1, 1) == reals({1}));  // user
  CHECK(row(train, 2, 1) == reals({2}));  // length
  // Test: every user with a history before their last item.
  const HeldOutItems& test = data.test();
  REQUIRE(test.size() == 3);
  CHECK(test.users == std::vector<Index>{1, 2, 3});
  CHECK(to_vector(test.rows->targets[0].values.data) == reals({5, 7, 1}));
  CHECK(row(*test.rows, 0, 0) == reals({2, 3, 4}));
  CHECK(row(*test.rows, 2, 0) == reals({3}));
  std::vector<Index> seen;
  data.seen_items(test.users[0], seen, test.ends[0]);
  CHECK(seen == std::vector<Index>{1, 2, 3, 4});
  data.seen_items(test.users[2], seen, test.ends[2]);
  CHECK(seen == std::vector<Index>{8});
  // Validation: users with at least three items.
  const HeldOutItems& validation = data.validation();
  REQUIRE(validation.size() == 2);
  CHECK(to_vector(validation.rows->targets[0].values.data) == reals({4, 2}));
  CHECK(row(*validation.rows, 0, 1) == reals({0, 0, 6}));
  // Popularity: training targets only.
  const auto counts = data.item_counts();
  CHECK(counts[2] == 1);
  CHECK(counts[3] == 1);
  CHECK(counts[5] == 0);
}

// keras.preprocessing.sequence.pad_sequences for one sequence, written out: truncate to maxlen (pre: drop
// from the start, post: from the end), then pad to maxlen (pre: in front, post: behind).
std::vector<Real> keras_pad(std::vector<Real> seq, size_t maxlen, const std::string& padding,
                            const std::string& truncating, Real value) {
  if (seq.size() > maxlen) {
    if (truncating == "pre")
      seq = std::vector<Real>(seq.end() - static_cast<std::ptrdiff_t>(maxlen), seq.end());
    else
      seq.resize(maxlen);
  }
  std::vector<Real> fill(maxlen - seq.size(), value);
  if (padding == "pre") {
    fill.insert(fill.end(), seq.begin(), seq.end());
    return fill;
  }
  seq.insert(seq.end(), fill.begin(), fill.end());
  return seq;
}

TEST_CASE("next-item sequences: reverse, then pad_sequences's truncating and padding, every combination") {
  TempDir dir;
  const std::string log = dir.write("log.tsv", kHistoryLog);
  // The test histories of users 1 and 2, oldest first: longer and shorter than max_len 3.
  const std::vector<std::vector<Real>> histories{reals({1, 2, 3, 4}), reals({6, 2})};
  for (const bool reverse : {false, true})
    for (const char* padding : {"pre", "post"})
      for (const char* truncating : {"pre", "post"}) {
        const std::string extra = std::string(", reverse: ") + (reverse ? "true" : "false") +
                                  ", padding: " + padding + ", truncating: " + truncating;
        CAPTURE(extra);
        Model model(parse_model_spec(history_config(log, extra), "yt.yaml"));
        const NextItemSequences data(model.spec(), model);
        for (Index user = 0; user < 2; ++user) {
          std::vector<Real> history = histories[static_cast<size_t>(user)];
          if (reverse) std::reverse(history.begin(), history.end());  // the seed reverses first
          CHECK(row(*data.test().rows, 0, user) == keras_pad(history, 3, padding, truncating, 0));
        }
        CHECK(row(*data.test().rows, 2, 0) == reals({3}));
      }
  // The seed's form keeps the most recent items: reverse, padding post, truncating post.
  Model seed(
      parse_model_spec(history_config(log, ", reverse: true, padding: post, truncating: post"), "yt.yaml"));
  CHECK(row(*NextItemSequences(seed.spec(), seed).test().rows, 0, 0) == reals({4, 3, 2}));
}

TEST_CASE("next-item sequences: ids outside the item table and the padding id are errors with file:line") {
  TempDir dir;
  const std::string log = dir.write("log.tsv", kHistoryLog);
  {
    Model model(parse_model_spec(history_config(log, "", 8), "yt.yaml"));  // item 8 needs input_dim 9
    try {
      NextItemSequences data(model.spec(), model);
      FAIL("expected a DataError");
    } catch (const DataError& e) {
      CHECK(std::string(e.what()).find("log.tsv:9") != std::string::npos);
      CHECK(std::string(e.what()).find("input_dim 8 of layer 'items'") != std::string::npos);
    }
  }
  const std::string zero = dir.write("zero.tsv", "1\t1\t5\t1\n1\t0\t5\t2\n");
  Model model(parse_model_spec(history_config(zero), "yt.yaml"));
  try {
    NextItemSequences data(model.spec(), model);
    FAIL("expected a DataError");
  } catch (const DataError& e) {
    CHECK(std::string(e.what()).find("zero.tsv:2") != std::string::npos);
    CHECK(std::string(e.what()).find("padding value") != std::string::npos);
  }
}

TEST_CASE("full-catalogue ranks: ties against the target, seen items and padding left out") {
  const std::vector<Real> scores{9, 1, 5, 5, 7, 2};           // id 0 is padding
  CHECK(catalog_rank(scores.data(), 6, 2, 0, nullptr) == 2);  // 4 (7) and 3 (tie) rank above or with it
  const std::vector<Index> seen{3, 4};
  CHECK(catalog_rank(scores.data(), 6, 2, 0, &seen) == 0);
  CHECK(catalog_rank(scores.data(), 6, 1, 0, &seen) == 2);  // above it: 2 (5), 5 (2)
  const Logs logs = metrics_from_ranks({0, 1, 3}, {"hr@2", "recall@2", "ndcg@2"});
  CHECK(logs[0].second == doctest::Approx(2.0 / 3));
  CHECK(logs[1].second == doctest::Approx(2.0 / 3));
  CHECK(logs[2].second == doctest::Approx((1.0 + 1.0 / std::log2(3.0)) / 3));
}

TEST_CASE("next-item runs: most-popular baseline, export and recommend agree with values computed here") {
  TempDir dir;
  // Item 6 is the most popular training target, then 2; every user's test item is 6 or 2 or rarer.
  std::string log;
  for (int u = 1; u <= 3; ++u) {
    const std::string user = std::to_string(u);
    log += user + "\t1\t5\t1\n" + user + "\t6\t5\t2\n" + user + "\t2\t5\t3\n";
  }
  log += "1\t3\t5\t4\n2\t6\t5\t5\n3\t4\t5\t4\n";  // tests: user 1 -> 3, user 2 -> 6 (again), user 3 -> 4
  const std::string config_path = dir.write(
      "yt.yaml", history_config(dir.write("log.tsv", log), ", validation: false, exclude_seen: false"));
  std::vector<std::string> warnings;
  RunOptions options{config_path, {}, "", ""};
  // Popularity (training targets 6 x3, 2 x3; ties count against): test item 6 ranks 1 (tied with 2), items
  // 3 and 4 were never targets and rank last.
  const Logs baseline = run_baseline(options, "most_popular", "test", warnings);
  CHECK(baseline[0].first == "hr@2");
  CHECK(baseline[0].second == doctest::Approx(1.0 / 3));
  // validation: false holds out no validation item: ranking it is a clear error, not an empty set read.
  CHECK_THROWS_WITH_AS(run_baseline(options, "most_popular", "validation", warnings),
                       doctest::Contains("has no 'validation' split"), ConfigError);

  options.weights_out = dir.path("w.weights.json");
  run_train(options, nullptr);
  options.weights_in = options.weights_out;
  ExportRequest table_request;
  table_request.table = "items";
  table_request.path = dir.path("items.csv");
  run_export(options, table_request, warnings);
  ExportRequest vectors;
  vectors.layer_outputs = {"pooled", "user_vector"};
  vectors.path = dir.path("users.csv");
  run_export(options, vectors, warnings);

  // The exported table is the weights file's; the exported pooled vectors are means of its rows over each
  // user's test history (computed here), and the user vectors give the recommendations.
  auto read_csv = [](const std::string& text) {
    std::vector<std::vector<double>> rows;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::vector<double> r;
      std::istringstream cells(line);
      std::string cell;
      while (std::getline(cells, cell, ',')) r.push_back(std::stod(cell));
      rows.push_back(r);
    }
    return rows;
  };
  const auto table = read_csv(slurp(table_request.path));
  REQUIRE(table.size() == 9);
  CHECK(slurp(vectors.path).rfind("user,pooled_0,pooled_1,user_vector_0,user_vector_1\n", 0) == 0);
  const auto users = read_csv(slurp(vectors.path));
  REQUIRE(users.size() == 3);
  const std::vector<std::vector<int>> histories{{1, 6, 2}, {1, 6, 2}, {1, 6, 2}};
  for (size_t u = 0; u < 3; ++u) {
    CHECK(users[u][0] == static_cast<double>(u + 1));
    for (int d = 0; d < 2; ++d) {
      double mean = 0;
      for (int item : histories[u]) mean += table[item][1 + d] / 3.0;
      CHECK(users[u][1 + d] == doctest::Approx(mean).epsilon(1e-6));
    }
  }
  // recommend: user 3's serving history is their newest three items (6 2 4); the user vector computed here by
  // the model from that row, times the exported table, ranks the items the user never had (3, 5, 7, 8).
  Model model(load_model_spec(config_path));
  load_weights(model, options.weights_in);
  const std::vector<std::vector<Real>> inputs{{6, 2, 4}, {3}, {3}};
  for (size_t i = 0; i < 3; ++i) {
    model.input_buffer(i).resize({1, static_cast<Index>(inputs[i].size())});
    model.input_buffer(i).data.assign(inputs[i].begin(), inputs[i].end());
  }
  model.forward(RunContext{Mode::Inference, nullptr});
  const Tensor& vector = model.output(0);
  std::vector<std::pair<double, Index>> expected;
  for (Index item : {3, 5, 7, 8})
    expected.emplace_back(vector.data[0] * table[item][1] + vector.data[1] * table[item][2], item);
  std::sort(expected.rbegin(), expected.rend());
  const auto recommended = run_recommend(options, 3, 3, false, warnings);
  REQUIRE(recommended.size() == 3);
  for (size_t r = 0; r < 3; ++r) {
    CHECK(recommended[r].first == expected[r].second);
    CHECK(recommended[r].second == doctest::Approx(expected[r].first).epsilon(1e-5));
  }
  CHECK(run_recommend(options, 3, 20, true, warnings).size() == 8);  // every item but the padding id
}

TEST_CASE("full-catalogue ranks made a block of rows at a time equal the ranks of all rows at once") {
  TempDir dir;
  // 24 users with 4 to 7 items each of 8: enough held-out rows for several blocks of whole batches.
  std::string log;
  for (int u = 1; u <= 24; ++u)
    for (int k = 0; k < 4 + u % 4; ++k)
      log += std::to_string(u) + "\t" + std::to_string(1 + (u * 3 + k * 5) % 8) + "\t5\t" +
             std::to_string(k) + "\n";
  std::string config = history_config(dir.write("log.tsv", log));
  config.replace(config.find("input_dim: 4"), 12, "input_dim: 25");
  Model model(parse_model_spec(config, "yt.yaml"));
  model.initialize(5);
  const NextItemSequences data(model.spec(), model);
  const HeldOutItems& set = data.test();
  REQUIRE(set.size() == 24);
  // All rows at once, as before blocks: scores of every row, each row ranked.
  const Tensor scores = catalog_scores(model, *set.rows, 2);
  std::vector<Index> expected, seen;
  for (Index r = 0; r < set.size(); ++r) {
    data.seen_items(set.users[static_cast<size_t>(r)], seen, set.ends[static_cast<size_t>(r)]);
    expected.push_back(catalog_rank(scores.ptr() + r * scores.last_dim(), scores.last_dim(),
                                    static_cast<Index>(set.rows->targets[0].values.data[r]), 0,
                                    data.exclude_seen() ? &seen : nullptr));
  }
  CHECK(held_out_item_ranks(model, data, set, 2) == expected);
  const double width = static_cast<double>(scores.last_dim());
  for (double rows : {1.0, 2.0, 5.0, 23.0})  // blocks of one batch (2 rows), 4 rows, 22 rows
    CHECK(held_out_item_ranks(model, data, set, 2, rows * width) == expected);
}

TEST_CASE("next-item sequences: the train split, made batch by batch, cannot be evaluated after the fact") {
  TempDir dir;
  const std::string config = dir.write("yt.yaml", history_config(dir.write("log.tsv", kHistoryLog)));
  std::vector<std::string> warnings;
  RunOptions options{config, {}, "", dir.path("w.json")};
  run_train(options, nullptr);
  options.weights_in = dir.path("w.json");
  CHECK_THROWS_WITH_AS(run_evaluate(options, "train", warnings),
                       doctest::Contains("--split validation or test"), ConfigError);
  CHECK_NOTHROW(run_evaluate(options, "test", warnings));
}

TEST_CASE("next-item sequences: every made row belongs to its user, across many blocks of rows") {
  // Three users of 2000 interactions each: about 6000 training rows, so the lookup of a row's user crosses
  // blocks of 4096, and the last user's rows come last.
  TempDir dir;
  std::string log;
  for (int u = 1; u <= 3; ++u)
    for (int k = 0; k < 2000; ++k)
      log += std::to_string(u) + "\t" + std::to_string((k * u) % 8 + 1) + "\t5\t" + std::to_string(k) + "\n";
  Model model(parse_model_spec(history_config(dir.write("log.tsv", log), ", validation: false"), "yt.yaml"));
  const NextItemSequences data(model.spec(), model);
  const Dataset train = data.training_examples();
  REQUIRE(train.size() == 3 * (2000 - 2));  // positions 1 .. 1998 of each user; 1999 is the test item
  for (Index r = 0; r < train.size(); ++r) {
    const Index user = 1 + r / 1998, at = 1 + r % 1998;
    REQUIRE_MESSAGE(train.inputs[1].values.data[r] == static_cast<Real>(user), "row " << r);
    REQUIRE_MESSAGE(train.targets[0].values.data[r] == static_cast<Real>((at * user) % 8 + 1), "row " << r);
  }
}
