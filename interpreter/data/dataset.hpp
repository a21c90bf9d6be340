#pragma once
// Arrays for the model's inputs and targets, loaded from the `data` block and checked against the model.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

class Graph;
struct ModelSpec;

struct DataArray {
  std::string name;  // model input or output name
  Tensor values;     // [N, per-sample shape...]
  std::string file;
  std::vector<long> lines;  // text files: the file line of each row (for messages)
  // "file:LINE" for text files, "file: sample N" for binary ones.
  std::string where(Index row) const;
};

struct Dataset {
  std::vector<DataArray> inputs;   // model input order
  std::vector<DataArray> targets;  // model output order; empty when not needed
  // Keras's sample_weight: one weight per sample for every output's loss and weighted metrics (the data key
  // `sample_weight`); no values when the data has none.
  DataArray sample_weights;
  Index size() const { return inputs.empty() ? 0 : inputs[0].values.batch(); }
  // Rows [begin, end) as a new dataset.
  Dataset slice(Index begin, Index end) const;
};

struct DataSplits {
  std::optional<Dataset> train, validation, test;
};

// Reads one array file (read_idx, read_npy).
using ArrayReader = Tensor (*)(const std::string& path);

// The splits of a file type's block: each split the block names, read (with `read_array` one file per name,
// without it one delimited table per split), bound to the model's inputs and outputs by name and checked.
// `target_widths[k]` is how many target values output k's loss expects per prediction row (1 for sparse
// labels); with `need_targets` false, targets may be missing. Throws DataError (file and row) or ConfigError
// (the data block's file:line:col).
DataSplits load_file_splits(const ModelSpec& spec, const Graph& model,
                            const std::vector<Index>& target_widths, bool need_targets,
                            ArrayReader read_array);
// The splits of any data block (the registry's loader for its type): load_data_source(...)->splits.
DataSplits load_data(const ModelSpec& spec, const Graph& model, const std::vector<Index>& target_widths,
                     bool need_targets);

// Checks one loaded dataset against the model: shapes, integer ids within Embedding input_dim, label range,
// finite values. Used by load_data and by tests.
void check_dataset(Dataset& data, const Graph& model, const std::vector<Index>& target_widths);

}  // namespace yamlnet
