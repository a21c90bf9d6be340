#pragma once
// The data types a `data` block may name, as one registry: each entry declares the type (its argument table,
// how its splits are written, its nested blocks: what the parser, the schema and docs/config.md read) and
// holds the loader that turns the block into splits. Adding a data type is adding one entry.
#include <functional>
#include <memory>
#include <vector>

#include "interpreter/data/dataset.hpp"
#include "interpreter/data/row_order.hpp"
#include "interpreter/spec/data_block.hpp"

namespace yamlnet {

// What the run needs of the data: `target_widths[k]` target values per prediction row of output k (1 for
// sparse labels); with `need_targets` false (predict), targets may be missing.
struct DataRequest {
  std::vector<Index> target_widths;
  bool need_targets = true;
  // The test split is wanted only after training (train): a source may build it then (make_test_split).
  bool defer_test = false;
};

// Where a made batch goes: the model's input buffers and the targets, in model order.
struct BatchBuffers {
  std::vector<Tensor*> inputs, targets;
};

class DataSource {
 public:
  virtual ~DataSource() = default;
  // The splits the block yields (no train split when the source makes its training batches).
  DataSplits splits;
  // Whether the training examples are made batch by batch instead of held in splits.train (implicit_feedback
  // pairs each positive with negatives drawn afresh every epoch; an epoch of them at MovieLens-20M's size
  // would take gigabytes): an epoch has epoch_rows() rows, and fill_rows writes rows order[begin, end) of
  // `epoch` into `out`, resizing its tensors.
  virtual bool makes_batches() const { return false; }
  virtual Index epoch_rows() const { return 0; }
  virtual void fill_rows(int /*epoch*/, const RowOrder& /*order*/, Index /*begin*/, Index /*end*/,
                         const BatchBuffers& /*out*/) const {}
  // How often each id is the target of a made training batch, for a source whose one output's targets are
  // ids (the frequency sampler counts them); empty otherwise.
  virtual std::vector<double> target_counts() const { return {}; }
  // For a source whose held-out splits are large (an interaction log's ranking sets: 166 MB each at
  // MovieLens-20M's size) and that was asked to defer its test split: lets go of the validation split once
  // training is over, then builds the test split, so the two are never held at once.
  virtual void release_validation_split() {}
  virtual void make_test_split() {}
};

struct DataSourceEntry {
  DataTypeInfo declaration;
  // Reads the files the block names; throws DataError naming the file and row, or ConfigError at the block.
  std::function<std::unique_ptr<DataSource>(const ModelSpec&, const Graph&, const DataRequest&)> load;
  // The type holds out items per user and ranks them (compile.metrics' hr@K, ndcg@K, recall@K; the val_
  // ones when it keeps a validation item).
  bool ranks_held_out_items = false;
};

const std::vector<DataSourceEntry>& data_source_registry();
// The entries' declarations, in registry order, for the parser (ConfigTables), the schema and the reference.
const std::vector<const DataTypeInfo*>& data_type_declarations();

// The entry of spec.data's type.
const DataSourceEntry& data_source_entry(const ModelSpec& spec);
// The source of spec.data's type, loaded.
std::unique_ptr<DataSource> load_data_source(const ModelSpec& spec, const Graph& model,
                                             const DataRequest& request);

}  // namespace yamlnet
