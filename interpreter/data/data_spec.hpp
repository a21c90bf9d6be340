#pragma once
// The `data` block: where the arrays come from and how they map to the model's inputs and targets.
#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "interpreter/spec/arg_spec.hpp"
#include "interpreter/spec/diagnostics.hpp"

namespace yamlnet {

// One split (train, validation or test). For idx and npy: one file per model input/output name (`x` and `y`
// stand for the only input and output). For csv/tsv: one `path`, with `columns` saying what goes where.
struct DataSplitSpec {
  bool present = false;
  SourceLoc loc;
  std::string path;  // csv / tsv
  SourceLoc path_loc;
  std::vector<std::pair<std::string, std::string>> files;  // name -> path (idx / npy)
  std::vector<SourceLoc> file_locs;
};

struct DataSpec {
  bool present = false;
  SourceLoc loc;
  Args args;  // type, rescale, header, delimiter
  DataSplitSpec train, validation, test;
  // csv / tsv: model input/output name -> column names (with a header) or 0-based indices.
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;
  std::vector<SourceLoc> column_locs;
  std::string type() const { return args.string("type"); }
};

// `data.type`: which reader the block is for.
const ArgSpec& data_type_arg();
const std::vector<ArgSpec>& data_table();
// `type: sequences`: the event log and the per-user label file.
const std::vector<ArgSpec>& events_table();
const std::vector<ArgSpec>& labels_table();
DataSpec parse_data_spec(const YAML::Node& node, DiagnosticSink& sink);

}  // namespace yamlnet
