#pragma once
// Writes per-row results (predictions, exported vectors) as CSV with a header, or as NPY. Id columns come
// first in CSV; with NPY they go to a side file `<stem>.ids.npy` (one column per id), so the vectors keep
// their float type and the ids stay exact.
#include <string>
#include <utility>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

struct IdColumn {
  std::string name;
  std::vector<Index> values;
};

struct ValueBlock {
  std::string name;  // columns are `name` when one wide, `name_0`, `name_1`... otherwise
  const Tensor* values;
};

// Throws UsageError unless `path` ends in .csv or .npy (checked before a run computes anything, so that
// `-o out.parquet` is not silently written as CSV). `what` names the option in the message.
void check_rows_file_type(const std::string& path, const std::string& what);

// Returns the files written. Throws UsageError for NPY with several value blocks.
std::vector<std::string> write_rows(const std::string& path, const std::vector<IdColumn>& ids,
                                    const std::vector<ValueBlock>& blocks);

}  // namespace yamlnet
