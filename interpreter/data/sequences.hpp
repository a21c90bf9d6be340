#pragma once
// Sequence data: Keras's pad_sequences, and the `sequences` data type that turns an event log (user, item,
// time) plus a per-user label file into padded histories and targets.
#include <string>
#include <vector>

#include "interpreter/core/tensor.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

class Graph;
struct ModelSpec;
struct DataSplits;

// keras.preprocessing.sequence.pad_sequences: rows of `maxlen` (0 = the longest sequence); `padding` and
// `truncating` are "pre" or "post"; shorter rows are filled with `value`.
Tensor pad_sequences(const std::vector<std::vector<Real>>& sequences, Index maxlen,
                     const std::string& padding, const std::string& truncating, Real value = 0);

// `type: sequences`: the per-user label file's arguments (the events are an interaction log,
// interaction_log_args()).
const std::vector<ArgSpec>& sequence_labels_table();

// Loads a `type: sequences` data block. Throws DataError naming the file and line.
DataSplits load_sequence_data(const ModelSpec& spec, const Graph& model);

}  // namespace yamlnet
