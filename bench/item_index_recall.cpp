// Recall of the approximate item indexes (hnsw, ivf) against the exact one (flat) on a trained two-tower
// model: the item table and the user vectors come from `yamlnet export` (bench/item_index_recall.sh makes
// them at MovieLens-20M scale). Prints, per kind, build time, file size, time per single-user query and
// recall@K of the exact top K.
//
// Usage: yamlnet_item_index_recall ITEMS.npy USERS.npy [K] [QUERIES]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

#include "interpreter/data/sources.hpp"
#include "interpreter/io/item_index.hpp"

using namespace yamlnet;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s ITEMS.npy USERS.npy [K] [QUERIES]\n", argv[0]);
    return 2;
  }
  const Tensor items = read_npy(argv[1]);
  const Tensor users = read_npy(argv[2]);
  const Index k = argc > 3 ? std::stol(argv[3]) : 10;
  const Index queries = argc > 4 ? std::stol(argv[4]) : 10000;
  const Index dim = users.last_dim();
  const auto dir = std::filesystem::temp_directory_path() / "yamlnet_item_index_recall";
  std::filesystem::create_directories(dir);
  std::printf("%lld items x %lld, %lld users, recall@%lld against flat\n", (long long)items.batch(),
              (long long)items.last_dim(), (long long)users.batch(), (long long)k);
  // Built once per kind, then queried with two sets: the users' vectors (what recommend --index serves) and
  // the items' own vectors (related items). The count of distinct ids in the exact answers says how varied
  // the set is: a model that learned little more than popularity gives every user the same top K, which any
  // index recalls.
  struct QuerySet {
    const char* name;
    const Tensor* vectors;
    std::vector<std::set<Index>> exact;
  };
  std::vector<QuerySet> sets = {{"users", &users, {}}, {"items", &items, {}}};
  for (const std::string kind : {"flat", "hnsw", "ivf"}) {
    const std::string path = (dir / (kind + ".faiss")).string();
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    write_item_index(items, 0, kind, path);  // id 0 is the padding of mask_zero
    const double build_s = std::chrono::duration<double>(clock::now() - t0).count();
    const ItemIndex index(path);
    std::printf("%-5s build %7.2f s  file %8.1f MB\n", kind.c_str(), build_s,
                std::filesystem::file_size(path) / 1e6);
    for (auto& set : sets) {
      const Index count = std::min<Index>(set.vectors->batch(), queries);
      set.exact.resize(static_cast<size_t>(count));
      double hits = 0;
      const auto t1 = clock::now();
      for (Index q = 0; q < count; ++q) {
        const auto found = index.search(set.vectors->ptr() + q * dim, k);
        auto& truth = set.exact[static_cast<size_t>(q)];
        for (const auto& [id, score] : found) {
          if (kind == "flat") truth.insert(id);
          hits += static_cast<double>(truth.count(id));
        }
      }
      const double per_query_us =
          std::chrono::duration<double, std::micro>(clock::now() - t1).count() / count;
      std::printf("      %-5s %6lld queries  %8.1f us/query  recall@%lld %.4f", set.name, (long long)count,
                  per_query_us, (long long)k, hits / static_cast<double>(count * k));
      if (kind == "flat") {
        std::set<Index> distinct;
        for (const auto& truth : set.exact) distinct.insert(truth.begin(), truth.end());
        std::printf("  (%zu distinct ids in the exact top %lld)", distinct.size(), (long long)k);
      }
      std::printf("\n");
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
