#pragma once
// Nearest-neighbour indexes of item vectors for recall (FAISS, Debian's libfaiss-dev): an Embedding table's
// rows under their ids, searched by inner product, the score a two-tower model gives. Built only with
// -DYAMLNET_FAISS=ON; otherwise every call throws UsageError saying so.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

// Whether this build has FAISS.
bool item_index_available();
// The kinds write_item_index builds: "flat" (exact), "hnsw", "ivf".
const std::vector<std::string>& item_index_kinds();

// Writes the rows of `table` ([ids, dim]) as an inner-product index of `kind`, each row under its id, leaving
// out `skip_id` (a padding id; -1 for none). Atomic, like every file yamlnet writes.
void write_item_index(const Tensor& table, Index skip_id, const std::string& kind, const std::string& path);

class ItemIndex {
 public:
  // Throws UsageError naming `path` when it is not a FAISS index.
  explicit ItemIndex(const std::string& path);
  ~ItemIndex();
  ItemIndex(ItemIndex&&) noexcept;
  Index dimension() const;
  Index size() const;
  // The `k` best (id, inner product) for `query` (dimension() values), best first.
  std::vector<std::pair<Index, Real>> search(const Real* query, Index k) const;

 private:
  struct Faiss;
  std::unique_ptr<Faiss> faiss_;
  std::string path_;
};

}  // namespace yamlnet
