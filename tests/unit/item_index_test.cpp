// FAISS item indexes (export --format faiss, recommend --index): the exact index returns what a brute-force
// inner product ranks first, the approximate ones find most of it, and recommend from an index equals
// recommend over every item. Without FAISS in the build, each use is one clear error.
#include "interpreter/io/item_index.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "interpreter/core/errors.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

Tensor random_item_table(Index items, Index dim, unsigned seed) {
  Tensor table({items, dim});
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0, 1);
  for (auto& v : table.data) v = normal(gen);
  return table;
}

// The k best rows of `table` by inner product with `query`, leaving out `skip`, by brute force.
std::vector<std::pair<Index, double>> brute_force_top(const Tensor& table, const std::vector<float>& query,
                                                      Index k, Index skip) {
  std::vector<std::pair<Index, double>> all;
  const Index dim = table.last_dim();
  for (Index r = 0; r < table.batch(); ++r) {
    if (r == skip) continue;
    double s = 0;
    for (Index j = 0; j < dim; ++j) s += double(table.data[r * dim + j]) * query[j];
    all.emplace_back(r, s);
  }
  std::partial_sort(all.begin(), all.begin() + k, all.end(),
                    [](auto& a, auto& b) { return a.second > b.second; });
  all.resize(k);
  return all;
}

// Trained item embeddings gather around tastes (genres, eras); isotropic noise, the worst case for an
// inverted-file index, is not what it serves.
Tensor clustered_item_table(Index items, Index dim, Index clusters, unsigned seed) {
  const Tensor centres = random_item_table(clusters, dim, seed + 1);
  Tensor table = random_item_table(items, dim, seed);
  for (Index r = 0; r < items; ++r)
    for (Index j = 0; j < dim; ++j)
      table.data[r * dim + j] = centres.data[(r % clusters) * dim + j] + 0.3f * table.data[r * dim + j];
  return table;
}

std::vector<float> random_query(Index dim, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> q(dim);
  for (auto& v : q) v = normal(gen);
  return q;
}

}  // namespace

TEST_CASE("Item index: the flat index ranks as a brute-force inner product does, without the padding id") {
  TempDir dir;
  const Tensor table = random_item_table(500, 12, 1);
  if (!item_index_available()) {
    CHECK_THROWS_WITH_AS(write_item_index(table, 0, "flat", dir.path("items.faiss")),
                         doctest::Contains("built without FAISS"), UsageError);
    return;
  }
  write_item_index(table, 0, "flat", dir.path("items.faiss"));
  const ItemIndex index(dir.path("items.faiss"));
  CHECK(index.dimension() == 12);
  CHECK(index.size() == 499);
  for (unsigned q = 0; q < 20; ++q) {
    const auto query = random_query(12, 100 + q);
    const auto found = index.search(query.data(), 10);
    const auto expected = brute_force_top(table, query, 10, 0);
    REQUIRE(found.size() == 10);
    for (size_t r = 0; r < 10; ++r) {
      CHECK(found[r].first == expected[r].first);
      CHECK(found[r].second == doctest::Approx(expected[r].second).epsilon(1e-5));
    }
  }
  // A row the padding took is never found, even when it would rank first.
  std::vector<float> towards_zero(table.data.begin(), table.data.begin() + 12);
  for (const auto& [id, score] : index.search(towards_zero.data(), 499)) CHECK(id != 0);
}

TEST_CASE("Item index: HNSW and IVF find most of the exact top 10") {
  if (!item_index_available()) return;  // the error is checked above
  TempDir dir;
  const Tensor table = clustered_item_table(4000, 16, 50, 2);
  for (const std::string kind : {"hnsw", "ivf"}) {
    write_item_index(table, -1, kind, dir.path(kind + ".faiss"));
    const ItemIndex index(dir.path(kind + ".faiss"));
    CHECK(index.size() == 4000);
    double hits = 0;
    const int queries = 100;
    for (int q = 0; q < queries; ++q) {
      const auto query = random_query(16, 1000 + q);
      std::set<Index> exact;
      for (const auto& [id, s] : brute_force_top(table, query, 10, -1)) exact.insert(id);
      for (const auto& [id, s] : index.search(query.data(), 10)) hits += exact.count(id);
    }
    const double recall = hits / (queries * 10.0);
    INFO(kind << " recall@10 = " << recall);
    CHECK(recall > 0.8);
  }
}

TEST_CASE("Item index: a file that is not an index, and an unknown kind, are errors naming them") {
  if (!item_index_available()) return;
  TempDir dir;
  dir.write("not.faiss", "hello");
  CHECK_THROWS_WITH_AS(ItemIndex(dir.path("not.faiss")), doctest::Contains("not.faiss: not a FAISS index"),
                       UsageError);
  CHECK_THROWS_WITH_AS(write_item_index(random_item_table(10, 4, 3), -1, "lsh", dir.path("x.faiss")),
                       doctest::Contains("--index must be one of flat, hnsw, ivf, not 'lsh'"), UsageError);
}

TEST_CASE("recommend --index serves YouTube-DNN's top items as recommend over every item does") {
  if (!item_index_available()) return;
  TempDir dir;
  const std::string source = YAMLNET_SOURCE_DIR, binary = YAMLNET_BINARY;
  const std::string config = source + "/configs/youtube_dnn.yaml";
  const std::string data = " --set data.path=" + source + "/../shared/data/ml-100k/u.data";
  const std::string weights = dir.path("w.json"), index = dir.path("items.faiss");
  REQUIRE(run_shell(binary + " init " + config + data + " -o " + weights).code == 0);
  REQUIRE(run_shell(binary + " export " + config + data + " --weights " + weights +
                    " --layer item_embedding --format faiss -o " + index)
              .code == 0);
  for (int user : {1, 7, 300}) {
    for (const std::string seen : {"", " --include-seen"}) {
      const std::string common = binary + " recommend " + config + data + " --weights " + weights +
                                 " --json -k 20 --user " + std::to_string(user) + seen;
      const auto all = nlohmann::json::parse(run_shell(common).out);
      const auto served = nlohmann::json::parse(run_shell(common + " --index " + index).out);
      REQUIRE(served["items"].size() == 20);
      for (size_t r = 0; r < 20; ++r) {
        CHECK(served["items"][r]["item"] == all["items"][r]["item"]);
        CHECK(served["items"][r]["score"].get<double>() ==
              doctest::Approx(all["items"][r]["score"].get<double>()).epsilon(1e-5));
      }
    }
  }
  // NeuMF scores pairs: there is no query vector to search with.
  const std::string neumf = source + "/configs/ncf_neumf.yaml";
  REQUIRE(run_shell(binary + " init " + neumf + " -o " + dir.path("n.json")).code == 0);
  const auto refused = run_shell(binary + " recommend " + neumf + data + " --weights " + dir.path("n.json") +
                                 " --user 1 --index " + index + " 2>&1");
  CHECK(refused.code == 2);  // a usage error, as every refusal of a verb's option
  CHECK(refused.out.find("this model scores pairs") != std::string::npos);
}
