#include "interpreter/io/item_index.hpp"

#include <cmath>

#include "interpreter/core/errors.hpp"
#include "interpreter/io/atomic_file.hpp"

#ifdef YAMLNET_HAVE_FAISS
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#endif

namespace yamlnet {

namespace {

// HNSW: 32 links per node (FAISS's usual choice); a search explores 64 candidates, where FAISS's default
// of 16 loses recall on embedding tables (docs/benchmarks.md).
constexpr int kHnswLinks = 32;
constexpr int kHnswSearchDepth = 64;
constexpr int kHnswBuildDepth = 64;

}  // namespace

const std::vector<std::string>& item_index_kinds() {
  static const std::vector<std::string> kinds = {"flat", "hnsw", "ivf"};
  return kinds;
}

#ifdef YAMLNET_HAVE_FAISS

bool item_index_available() {
  return true;
}

using FaissId = faiss::Index::idx_t;  // FAISS 1.7.3 (Debian 12) names its id type here

struct ItemIndex::Faiss {
  std::unique_ptr<faiss::Index> index;
};

void write_item_index(const Tensor& table, Index skip_id, const std::string& kind, const std::string& path) {
  const auto dim = static_cast<FaissId>(table.shape.at(1));
  std::vector<float> vectors;
  std::vector<FaissId> ids;
  for (Index row = 0; row < table.batch(); ++row) {
    if (row == skip_id) continue;
    ids.push_back(static_cast<FaissId>(row));
    vectors.insert(vectors.end(), table.ptr() + row * dim, table.ptr() + (row + 1) * dim);
  }
  const auto n = static_cast<FaissId>(ids.size());
  std::unique_ptr<faiss::Index> inner;
  if (kind == "flat") {
    inner = std::make_unique<faiss::IndexFlatIP>(dim);
  } else if (kind == "hnsw") {
    auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(dim, kHnswLinks, faiss::METRIC_INNER_PRODUCT);
    hnsw->hnsw.efConstruction = kHnswBuildDepth;
    hnsw->hnsw.efSearch = kHnswSearchDepth;
    inner = std::move(hnsw);
  } else if (kind == "ivf") {
    // About 4 sqrt(n) lists (FAISS's guideline), an eighth of them probed per search.
    const auto lists = std::max<FaissId>(1, std::min<FaissId>(n / 39, std::lround(4 * std::sqrt(double(n)))));
    auto* quantizer = new faiss::IndexFlatIP(dim);
    auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer, dim, static_cast<size_t>(lists),
                                                     faiss::METRIC_INNER_PRODUCT);
    ivf->own_fields = true;
    ivf->nprobe = static_cast<size_t>(std::max<FaissId>(1, lists / 8));
    ivf->train(n, vectors.data());
    inner = std::move(ivf);
  } else {
    std::string kinds;
    for (const auto& k : item_index_kinds()) kinds += (kinds.empty() ? "" : ", ") + k;
    throw UsageError("--index must be one of " + kinds + ", not '" + kind + "'");
  }
  faiss::IndexIDMap2 index(inner.get());
  index.add_with_ids(n, vectors.data(), ids.data());
  faiss::VectorIOWriter writer;
  faiss::write_index(&index, &writer);
  write_file_atomically(path, std::string(writer.data.begin(), writer.data.end()));
}

ItemIndex::ItemIndex(const std::string& path) : faiss_(std::make_unique<Faiss>()), path_(path) {
  faiss::VectorIOReader reader;
  const std::string bytes = read_file(path);
  reader.data.assign(bytes.begin(), bytes.end());
  try {
    faiss_->index.reset(faiss::read_index(&reader));
  } catch (const faiss::FaissException&) {
    throw UsageError(path + ": not a FAISS index (write one with `yamlnet export ... --format faiss`)");
  }
  if (faiss_->index->metric_type != faiss::METRIC_INNER_PRODUCT)
    throw UsageError(path + ": the index ranks by distance, not by inner product (the model's score)");
}

Index ItemIndex::dimension() const {
  return faiss_->index->d;
}
Index ItemIndex::size() const {
  return faiss_->index->ntotal;
}

std::vector<std::pair<Index, Real>> ItemIndex::search(const Real* query, Index k) const {
  const Index wanted = std::min(k, size());
  std::vector<float> scores(static_cast<size_t>(wanted));
  std::vector<FaissId> ids(static_cast<size_t>(wanted));
  const std::vector<float> q(query, query + dimension());
  faiss_->index->search(1, q.data(), wanted, scores.data(), ids.data());
  std::vector<std::pair<Index, Real>> out;
  for (Index r = 0; r < wanted; ++r)
    if (ids[static_cast<size_t>(r)] >= 0)
      out.emplace_back(ids[static_cast<size_t>(r)], scores[static_cast<size_t>(r)]);
  return out;
}

#else

namespace {
[[noreturn]] void no_faiss() {
  throw UsageError(
      "this yamlnet was built without FAISS: install Debian's libfaiss-dev and configure with "
      "-DYAMLNET_FAISS=ON");
}
}  // namespace

bool item_index_available() {
  return false;
}
struct ItemIndex::Faiss {};
void write_item_index(const Tensor&, Index, const std::string&, const std::string&) {
  no_faiss();
}
ItemIndex::ItemIndex(const std::string&) {
  no_faiss();
}
Index ItemIndex::dimension() const {
  return 0;
}
Index ItemIndex::size() const {
  return 0;
}
std::vector<std::pair<Index, Real>> ItemIndex::search(const Real*, Index) const {
  return {};
}

#endif

ItemIndex::~ItemIndex() = default;
ItemIndex::ItemIndex(ItemIndex&&) noexcept = default;

}  // namespace yamlnet
