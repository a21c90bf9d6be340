#pragma once
// The `data` block: which data type, its arguments, and for file types the splits and columns. The block is
// parsed against the declaration of its type (DataTypeInfo); the declarations and the loaders are the data
// source registry's entries (data/data_source.hpp), handed to the parser through ConfigTables.
#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "interpreter/spec/arg_spec.hpp"
#include "interpreter/spec/diagnostics.hpp"

namespace yamlnet {

// How a data type's `train`, `validation` and `test` splits are written.
enum class SplitForm {
  None,        // the type makes its splits (an interaction log, sequences' test_split)
  NamedFiles,  // one file per model input/output name ({x: FILE, y: FILE}); idx, npy
  OnePath,     // one table file per split, with `columns` mapping names to columns; csv, tsv
};

// A nested block of a data type (sequences' `events` and `labels`), parsed into a function Value.
struct DataBlockInfo {
  std::string key;
  std::vector<ArgSpec> args;
  bool required = true;
};

// What the parser, the schema and the reference need to know of a data type.
struct DataTypeInfo {
  FunctionInfo info;  // name (the `type`), doc, arguments besides `type`
  SplitForm splits = SplitForm::None;
  std::vector<DataBlockInfo> blocks;
};

// One split (train, validation or test) of a file type.
struct DataSplitSpec {
  bool present = false;
  SourceLoc loc;
  std::string path;  // OnePath
  SourceLoc path_loc;
  std::vector<std::pair<std::string, std::string>> files;  // NamedFiles: name -> path
  std::vector<SourceLoc> file_locs;
};

struct DataSpec {
  bool present = false;
  SourceLoc loc;
  Args args;  // `type` and the type's own arguments; nested blocks as function Values
  DataSplitSpec train, validation, test;
  // OnePath: model input/output name -> column names (with a header) or 0-based indices.
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;
  std::vector<SourceLoc> column_locs;
  std::string type() const { return args.string("type"); }
};

// The type a block without `type` has.
inline constexpr const char* kDefaultDataType = "idx";

// `data.type`, its choices the declared types.
ArgSpec data_type_arg(const std::vector<const DataTypeInfo*>& types);

// Parses the block against the declaration its `type` names. A missing block is `present == false`.
DataSpec parse_data_spec(const YAML::Node& node, const std::vector<const DataTypeInfo*>& types,
                         DiagnosticSink& sink);

}  // namespace yamlnet
