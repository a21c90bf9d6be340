#include "interpreter/data/data_source.hpp"

#include "interpreter/data/generated_data.hpp"
#include "interpreter/data/implicit_feedback.hpp"
#include "interpreter/data/interaction_log.hpp"
#include "interpreter/data/next_item_sequences.hpp"
#include "interpreter/data/sequences.hpp"
#include "interpreter/data/sources.hpp"
#include "interpreter/graph/graph.hpp"

namespace yamlnet {

namespace {

ArgSpec rescale_arg() {
  return float_arg("rescale", 1.0, "factor applied to float inputs (e.g. 1/255 for images)");
}

std::vector<ArgSpec> table_args(const char* delimiter) {
  return {rescale_arg(), bool_arg("header", true, "the first line names the columns"),
          string_arg("delimiter", delimiter, "field separator (\\t or tab for a tab)")};
}

std::unique_ptr<DataSource> with_splits(DataSplits splits) {
  auto source = std::make_unique<DataSource>();
  source->splits = std::move(splits);
  return source;
}

DataSourceEntry array_files(const char* name, const char* doc, ArrayReader read) {
  return {
      {FunctionInfo(name, doc, {rescale_arg()}), SplitForm::NamedFiles, {}},
      [read](const ModelSpec& spec, const Graph& model, const DataRequest& request) {
        return with_splits(load_file_splits(spec, model, request.target_widths, request.need_targets, read));
      }};
}

DataSourceEntry table_file(const char* name, const char* doc, const char* delimiter) {
  return {{FunctionInfo(name, doc, table_args(delimiter)), SplitForm::OnePath, {}},
          [](const ModelSpec& spec, const Graph& model, const DataRequest& request) {
            return with_splits(
                load_file_splits(spec, model, request.target_widths, request.need_targets, nullptr));
          }};
}

DataSourceEntry sequences() {
  std::vector<ArgSpec> args{
      int_arg("maxlen", 0, "length of the padded histories (0: the longest)", 0),
      enum_arg("padding", "pre", {"pre", "post"},
               "pad at the start (pre) or the end (post), as pad_sequences"),
      enum_arg("truncating", "pre", {"pre", "post"},
               "drop the oldest (pre) or the newest (post) items of long histories"),
      float_arg("test_split", 0.0, "fraction of the users held out as the test split (seeded)", 0.0, 0.9),
  };
  return {{FunctionInfo(
               "sequences",
               "an event log (`events`, read as an interaction log) and a per-user label file (`labels`): "
               "each user's items in time order become one padded history (as Keras's pad_sequences), "
               "the user's label its target",
               std::move(args)),
           SplitForm::None,
           {{"events", interaction_log_args()}, {"labels", sequence_labels_table()}}},
          [](const ModelSpec& spec, const Graph& model, const DataRequest& request) {
            auto source = with_splits(load_sequence_data(spec, model));
            for (auto* split : {&source->splits.train, &source->splits.validation, &source->splits.test})
              if (*split) check_dataset(**split, model, request.target_widths);
            return source;
          }};
}

// A type that makes its splits from an interaction log and ranks held-out items: its source class is built
// from the spec and the model.
template <class Source>
DataSourceEntry interaction_log(const char* name, const char* doc, const std::vector<ArgSpec>& args) {
  return {{FunctionInfo(name, doc, args), SplitForm::None, {}},
          [](const ModelSpec& spec, const Graph& model,
             const DataRequest& request) -> std::unique_ptr<DataSource> {
            return std::make_unique<Source>(spec, model, request.defer_test);
          },
          true};
}

}  // namespace

const std::vector<DataSourceEntry>& data_source_registry() {
  static const std::vector<DataSourceEntry> entries{
      array_files("idx", "MNIST-family IDX files, gzip'd or not: each split maps input/output names to files",
                  read_idx),
      array_files("npy", "NumPy .npy files: each split maps input/output names to files", read_npy),
      table_file("csv", "a comma-separated table per split, with `columns` mapping names to columns", ","),
      table_file("tsv", "a tab-separated table per split, with `columns` mapping names to columns", "\\t"),
      sequences(),
      interaction_log<ImplicitFeedback>(
          "implicit_feedback",
          "an interaction log for NCF-style models with a user and an item input: held-out items are ranked "
          "among sampled negatives (compile.metrics: hr@K, ndcg@K)",
          implicit_feedback_table()),
      interaction_log<NextItemSequences>(
          "next_item_sequences",
          "an interaction log for next-item (YouTube-DNN) models: each position of a user's time-ordered "
          "history is an example whose padded history predicts the item at it; the last item per user is the "
          "test target and the one before the validation target, ranked against every item "
          "(compile.metrics: hr@K, recall@K, ndcg@K)",
          next_item_sequences_table()),
      generated_data_entry(),
  };
  return entries;
}

const std::vector<const DataTypeInfo*>& data_type_declarations() {
  static const std::vector<const DataTypeInfo*> declarations = [] {
    std::vector<const DataTypeInfo*> out;
    for (const auto& entry : data_source_registry()) out.push_back(&entry.declaration);
    return out;
  }();
  return declarations;
}

std::unique_ptr<DataSource> load_data_source(const ModelSpec& spec, const Graph& model,
                                             const DataRequest& request) {
  if (!spec.data.present)
    throw ConfigError(
        {Diagnostic{SourceLoc{spec.file, 1, 1}, "", "", "no 'data' block: say where the training data is"}});
  return data_source_entry(spec).load(spec, model, request);
}

const DataSourceEntry& data_source_entry(const ModelSpec& spec) {
  for (const auto& entry : data_source_registry())
    if (entry.declaration.info.name == spec.data.type()) return entry;
  throw ConfigError({Diagnostic{spec.data.loc, "", "", "data: unknown type '" + spec.data.type() + "'"}});
}

DataSplits load_data(const ModelSpec& spec, const Graph& model, const std::vector<Index>& target_widths,
                     bool need_targets) {
  return std::move(load_data_source(spec, model, DataRequest{target_widths, need_targets})->splits);
}

}  // namespace yamlnet
