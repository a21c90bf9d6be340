// The NCF pipeline on small logs made here: leave-one-out, negatives that are never positives, fixed
// evaluation sets; and HR@K / NDCG@K on hand-made rankings.
#include "interpreter/data/implicit_feedback.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "interpreter/app/session.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/train/ranking.hpp"
#include "interpreter/train/trainer.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

std::string feedback_config(const std::string& log, const std::string& extra = "") {
  return "name: ncf\nseed: 5\ninputs: {user: {shape: [1], dtype: int32}, item: {shape: [1], dtype: "
         "int32}}\nlayers:\n"
         "  - {name: u, type: Embedding, inputs: user, input_dim: 4, output_dim: 2}\n"
         "  - {name: i, type: Embedding, inputs: item, input_dim: 9, output_dim: 2}\n"
         "  - {name: m, type: Multiply, inputs: [u, i]}\n  - {type: Flatten}\n"
         "  - {name: score, type: Dense, units: 1, activation: sigmoid}\n"
         "compile: {loss: bce, metrics: [hr@3, ndcg@3]}\n"
         "data: {type: implicit_feedback, path: " +
         log + ", negatives_per_positive: 3, eval_negatives: 4" + extra + "}\n";
}

// user item rating time: user 1 rated 1..4 in time order, user 2 rated 5, 6, 2 (6 latest), user 3 rated 7, 8.
const char* kFeedbackLog =
    "1\t1\t5\t10\n1\t2\t4\t20\n1\t3\t3\t30\n1\t4\t5\t40\n2\t5\t5\t10\n2\t2\t1\t15\n2\t6\t5\t20\n3\t7\t4\t1\n3"
    "\t8\t4\t2\n";

}  // namespace

TEST_CASE(
    "implicit feedback: leave-one-out holds out the latest item for test and the one before for validation") {
  TempDir dir;
  Model model(parse_model_spec(feedback_config(dir.write("log.tsv", kFeedbackLog)), "ncf.yaml"));
  const ImplicitFeedback data(model.spec(), model);
  const RankingSet& test = data.test();
  REQUIRE(test.groups() == 3);
  CHECK(test.group_size == 5);
  // The first row of each group is the held-out item, target 1.
  const auto& items = test.pairs().inputs[1].values.data;
  CHECK(items[0] == 4);
  CHECK(items[5] == 6);
  CHECK(items[10] == 8);
  CHECK(test.pairs().targets[0].values.data[0] == 1);
  CHECK(test.pairs().targets[0].values.data[1] == 0);
  CHECK(data.validation().pairs().inputs[1].values.data[0] == 3);
  CHECK(data.num_positives() ==
        9 - 3 - 2);  // user 3 has two interactions: a test item and no validation item
}

namespace {

// Rows [0, epoch_rows) of `epoch` in a keyed order (`order_key`, as fit orders such data); returns the order.
RowOrder make_epoch(const ImplicitFeedback& data, int epoch, uint64_t order_key, Tensor& users, Tensor& items,
                    Tensor& labels) {
  RowOrder order;
  order.set_keyed(data.epoch_rows(), order_key);
  data.fill_rows(epoch, order, 0, data.epoch_rows(), BatchBuffers{{&users, &items}, {&labels}});
  return order;
}

}  // namespace

TEST_CASE("implicit feedback: the sampler never returns an item the user interacted with (many draws)") {
  TempDir dir;
  Model model(parse_model_spec(feedback_config(dir.write("log.tsv", kFeedbackLog)), "ncf.yaml"));
  const ImplicitFeedback data(model.spec(), model);
  CHECK(data.epoch_rows() == data.num_positives() * 4);  // each positive and its 3 negatives
  Tensor users, items, labels;
  for (int e = 0; e < 200; ++e) {
    make_epoch(data, e, 1, users, items, labels);
    Index positives = 0;
    for (Index r = 0; r < users.batch(); ++r) {
      const Index user = static_cast<Index>(users.data[r]);
      const Index item = static_cast<Index>(items.data[r]);
      const bool positive = labels.data[r] == 1;
      positives += positive;
      if (!positive)
        REQUIRE_MESSAGE(!data.interacted(user, item), "epoch " << e << " drew positive " << item);
      else
        CHECK(data.interacted(user, item));
      CHECK(item >= 1);
    }
    CHECK(positives == data.num_positives());
  }
  for (const auto* set : {&data.test(), &data.validation()})
    for (Index r = 0; r < set->pairs().size(); ++r)
      if (r % set->group_size != 0)
        CHECK_FALSE(data.interacted(static_cast<Index>(set->pairs().inputs[0].values.data[r]),
                                    static_cast<Index>(set->pairs().inputs[1].values.data[r])));
  // A row's negative depends on the seed, the epoch and the row alone: not on the order, nor on the batch
  // that makes it.
  Tensor u1, i1, l1, u2, i2, l2;
  const RowOrder first = make_epoch(data, 7, 1, u1, i1, l1);
  const RowOrder second = make_epoch(data, 7, 2, u2, i2, l2);
  REQUIRE(first.rows() != second.rows());
  std::vector<Real> by_row_first(static_cast<size_t>(first.size())), by_row_second(by_row_first.size());
  for (size_t k = 0; k < by_row_first.size(); ++k) {
    by_row_first[first[k]] = i1.data[static_cast<Index>(k)];
    by_row_second[second[k]] = i2.data[static_cast<Index>(k)];
  }
  CHECK(by_row_first == by_row_second);
  Tensor one_user, one_item, one_label;
  data.fill_rows(7, first, 5, 6, BatchBuffers{{&one_user, &one_item}, {&one_label}});
  CHECK(one_item.data[0] == i1.data[5]);
  make_epoch(data, 8, 1, u2, i2, l2);
  CHECK(i2.data != i1.data);  // another epoch, other negatives
}

TEST_CASE(
    "implicit feedback: a batch's rows are the same however the batches are cut, and negatives are uniform "
    "over "
    "the items the user never had") {
  // 40 users of 300 items, user u with (37u mod 290) + 3 of them: lists from 3 to 292 items, so that a group
  // of rows searches lists of many lengths together, and the densest users redraw often.
  std::string log;
  const Index items_total = 300;
  const auto count_of = [](Index user) { return (37 * user) % 290 + 3; };
  Index densest = 0, densest_count = 0;
  for (Index u = 1; u <= 40; ++u) {
    const Index count = count_of(u);
    if (count > densest_count) densest = u, densest_count = count;
    for (Index k = 0; k < count; ++k)
      log += std::to_string(u) + "\t" + std::to_string(k * 7 % items_total + 1) + "\t5\t" +
             std::to_string(k) + "\n";
  }
  TempDir dir;
  std::string config = feedback_config(dir.write("log.tsv", log));
  config.replace(config.find("input_dim: 4"), 12, "input_dim: 41");
  config.replace(config.find("input_dim: 9"), 12, "input_dim: " + std::to_string(items_total + 1));
  Model model(parse_model_spec(config, "ncf.yaml"));
  const ImplicitFeedback data(model.spec(), model);
  std::map<std::pair<Index, Index>, Index> negatives;  // (user, item) -> times drawn
  std::map<Index, Index> drawn_for;                    // user -> negatives drawn
  for (int epoch = 0; epoch < 6; ++epoch) {
    Tensor users, items, labels;
    const RowOrder order = make_epoch(data, epoch, 3, users, items, labels);
    // The same rows made by calls of 1, 16, 31, ... rows (groups cut everywhere).
    Index begin = 0;
    for (Index size = 1; begin < order.size(); size += 15) {
      const Index end = std::min(order.size(), begin + size);
      Tensor u, i, l;
      data.fill_rows(epoch, order, begin, end, BatchBuffers{{&u, &i}, {&l}});
      for (Index r = begin; r < end; ++r) {
        REQUIRE(u.data[r - begin] == users.data[r]);
        REQUIRE(i.data[r - begin] == items.data[r]);
        REQUIRE(l.data[r - begin] == labels.data[r]);
      }
      begin = end;
    }
    for (Index r = 0; r < users.batch(); ++r) {
      const auto user = static_cast<Index>(users.data[r]), item = static_cast<Index>(items.data[r]);
      REQUIRE(data.interacted(user, item) == (labels.data[r] == 1));
      if (labels.data[r] == 1) continue;
      ++negatives[{user, item}];
      ++drawn_for[user];
    }
  }
  // Each user's negatives are uniform over the items it never had: Pearson's statistic over every (user,
  // unseen item) stays near its degrees of freedom (a search that wrongly rejected some items, even only at
  // the first draw, moves it far above). Every item the densest user never had is drawn.
  double chi_square = 0, freedom = 0;
  for (const auto& [user, drawn] : drawn_for) {
    const Index unseen = items_total - count_of(user);
    const double expected = static_cast<double>(drawn) / static_cast<double>(unseen);
    Index never_had = 0;
    for (Index item = 1; item <= items_total; ++item) {
      if (data.interacted(user, item)) continue;
      ++never_had;
      const auto found = negatives.find({user, item});
      const double observed = found == negatives.end() ? 0.0 : static_cast<double>(found->second);
      chi_square += (observed - expected) * (observed - expected) / expected;
      if (user == densest) CHECK_MESSAGE(observed > 0, "item " << item);
    }
    REQUIRE(never_had == unseen);
    freedom += static_cast<double>(unseen - 1);
  }
  CHECK(chi_square < freedom + 5 * std::sqrt(2 * freedom));
  CHECK(densest_count > 280);
}

TEST_CASE("implicit feedback: ids beyond the Embedding's input_dim name the file and line") {
  TempDir dir;
  const std::string log = dir.write("bad.tsv", "1\t1\t5\t1\n1\t9\t5\t2\n");
  try {
    Model model(parse_model_spec(feedback_config(log), "ncf.yaml"));
    ImplicitFeedback data(model.spec(), model);
    FAIL("expected a DataError");
  } catch (const DataError& e) {
    CHECK(std::string(e.what()) == log + ":2: error: item id 9 >= input_dim 9 of layer 'i'");
  }
}

TEST_CASE("hr@K and ndcg@K on hand-made rankings, ties count against the held-out item") {
  // Three groups of 4 (held-out item first): ranks 0, 2 and 3 (a tie).
  const std::vector<Real> scores{0.9f, 0.1f, 0.2f, 0.3f, 0.5f, 0.6f, 0.7f, 0.1f, 0.4f, 0.4f, 0.8f, 0.9f};
  const Logs logs = ranking_metrics_from_scores(scores, 4, {"hr@1", "hr@3", "ndcg@3", "ndcg@1"});
  CHECK(logs[0].second == doctest::Approx(1.0 / 3));
  CHECK(logs[1].second == doctest::Approx(2.0 / 3));
  CHECK(logs[2].second == doctest::Approx((1.0 + 1.0 / std::log2(4.0)) / 3));
  CHECK(logs[3].second == doctest::Approx(1.0 / 3));
  std::string kind;
  int k = 0;
  CHECK(parse_ranking_metric("ndcg@10", kind, k));
  CHECK(kind == "ndcg");
  CHECK(k == 10);
  CHECK_FALSE(parse_ranking_metric("hr@", kind, k));
  CHECK_FALSE(parse_ranking_metric("recall10", kind, k));
}

TEST_CASE("implicit feedback runs: most-popular baseline by hand, recommend leaves out the user's items") {
  TempDir dir;
  const std::string path =
      dir.write("ncf.yaml", feedback_config(dir.write("log.tsv", kFeedbackLog), ", validation: false") +
                                "fit: {epochs: 1, batch_size: 4, verbose: 0}\n");
  std::vector<std::string> warnings;
  RunOptions options{path, {}, "", dir.path("w.weights.json")};
  // Training positives: 1, 2, 3 (user 1), 5, 2 (user 2), 7 (user 3): item 2 counts 2, the others 1 or 0.
  // Test items 4, 6 and 8 were never training positives: they tie with (or lose to) every negative, so no
  // hit even at 3, whatever the negatives are.
  const Logs baseline = run_baseline(options, "most_popular", "test", warnings);
  REQUIRE(baseline.size() == 2);
  CHECK(baseline[0].second == 0.0);
  run_train(options, nullptr);
  options.weights_in = options.weights_out;
  const auto all = run_recommend(options, 1, 100, true, warnings);
  CHECK(all.size() == 8);  // items 1..8
  const auto unseen = run_recommend(options, 1, 100, false, warnings);
  std::vector<Index> items;
  for (const auto& [item, score] : unseen) items.push_back(item);
  std::sort(items.begin(), items.end());
  CHECK(items == std::vector<Index>{5, 6, 7, 8});  // user 1 had 1, 2, 3, 4
  for (size_t r = 1; r < all.size(); ++r) CHECK(all[r - 1].second >= all[r].second);
}

TEST_CASE(
    "implicit feedback: ranking a set block by block gives the ranks of scoring it whole, per process") {
  TempDir dir;
  Model model(parse_model_spec(feedback_config(dir.write("log.tsv", kFeedbackLog)), "ncf.yaml"));
  model.initialize(5);
  const ImplicitFeedback data(model.spec(), model);
  const RankingSet& set = data.test();
  REQUIRE(set.groups() == 3);
  const std::vector<Tensor> whole = predict_outputs(model, set.pairs(), 2);
  const std::vector<Index> expected = group_ranks(whole[0].ptr(), whole[0].size(), set.group_size);
  // Blocks of one batch of groups (2 groups, 10 rows) and of everything at once.
  for (Index block_rows : {Index{1}, kRankingBlockRows}) {
    CHECK(ranking_set_ranks(model, set, 2, 0, -1, block_rows) == expected);
    // A process's share: groups [1, 3).
    CHECK(ranking_set_ranks(model, set, 2, 1, 3, block_rows) ==
          std::vector<Index>(expected.begin() + 1, expected.end()));
  }
  // Each rank counts the group's negatives scoring at least its held-out item.
  for (Index g = 0; g < set.groups(); ++g) {
    Index above = 0;
    for (Index j = 1; j < set.group_size; ++j)
      above += whole[0].data[g * set.group_size + j] >= whole[0].data[g * set.group_size];
    CHECK(expected[static_cast<size_t>(g)] == above);
  }
}
