#pragma once
// The data of a run whatever its type: fixed splits from files, or an interaction log that makes them
// (implicit_feedback draws training negatives every epoch; next_item_sequences builds histories), with the
// ranking evaluations those logs come with (NCF's sampled candidates, or the full catalogue).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interpreter/data/implicit_feedback.hpp"
#include "interpreter/data/next_item_sequences.hpp"
#include "interpreter/train/callback.hpp"
#include "interpreter/train/logs.hpp"

namespace yamlnet {

class Collective;
class Graph;
class Model;

struct RunData {
  std::unique_ptr<DataSource> source;
  DataSplits& splits() { return source->splits; }
  // The ranking protocol an interaction log comes with: NCF's sampled candidates (feedback) or the whole
  // catalogue (next_items); both null for other data.
  const ImplicitFeedback* feedback = nullptr;
  const NextItemSequences* next_items = nullptr;
  bool is_interaction_log() const { return feedback || next_items; }
};

// `target_widths` and `need_targets` as load_data; `defer_test` as DataRequest's.
std::unique_ptr<RunData> load_run_data(const ModelSpec& spec, const Graph& model,
                                       const std::vector<Index>& target_widths, bool need_targets,
                                       bool defer_test = false);

// compile.metrics that are ranking metrics (hr@K, ndcg@K, recall@K, mrr@K, map@K, precision@K).
std::vector<std::string> ranking_names(const ModelSpec& spec);

// The ranking metrics of `model` on a held-out split ("validation" or "test"); empty for data that is not an
// interaction log. With `processes` (a data-parallel launch), each ranks its block of the held-out rows and
// the ranks are gathered: every process gets the metrics of all of them.
Logs ranking_logs(Model& model, const RunData& data, const std::string& split,
                  const std::vector<std::string>& names, Index batch_size, Collective* processes = nullptr);
// Adds the ranking metrics on the validation split to each epoch's logs, as val_<name> (monitorable by
// EarlyStopping and ModelCheckpoint, which come after it in the callback list).
class RankingValidation : public Callback {
 public:
  RankingValidation(Model& model, const RunData& data, std::vector<std::string> names, Index batch_size,
                    Collective* processes = nullptr)
      : model_(model),
        data_(data),
        names_(std::move(names)),
        batch_size_(batch_size),
        processes_(processes) {}
  void on_epoch_end(EpochEnd& end) override;

 private:
  Model& model_;
  const RunData& data_;
  std::vector<std::string> names_;
  Index batch_size_;
  Collective* processes_;
};

// The same metrics for the most-popular baseline: every user gets the items with the most training
// interactions.
Logs most_popular_logs(const RunData& data, const std::string& split, const std::vector<std::string>& names);

// Scores of every item for each row of `rows` (a next-item model): the output vectors times the
// sampled-softmax item table, or the output itself when it already has one score per item. The first form
// writes them into `scores`, reusing its memory.
void catalog_scores(Model& model, const Dataset& rows, Index batch_size, Tensor& scores);
inline Tensor catalog_scores(Model& model, const Dataset& rows, Index batch_size) {
  Tensor scores;
  catalog_scores(model, rows, batch_size, scores);
  return scores;
}

// Full-catalogue ranks (0 = first) of each held-out item of `set` (rows [first, end) of it; end -1: to the
// last) among its row's scores, the items seen before it left out when the data says so. Scores are made a
// block of rows at a time, at most `block_values` of them (whole batches; the default is 64 MB of scores,
// about 600 users against MovieLens-20M's 27k items), so 138k users x 27k items never need 15 GB at once.
constexpr double kScoreBlockValues = 16.0 * 1024 * 1024;
std::vector<Index> held_out_item_ranks(Model& model, const NextItemSequences& data, const HeldOutItems& set,
                                       Index batch_size, double block_values = kScoreBlockValues,
                                       Index first = 0, Index end = -1);

// The top `k` items for `user` with their scores, best first, leaving out the items the user had (unless
// `include_seen`).
std::vector<std::pair<Index, Real>> recommend(Model& model, const RunData& data, Index user, Index k,
                                              bool include_seen, Index batch_size);

class ItemIndex;
// recommend() with the items found in `index` (read from `index_path`, for messages): the model's output for
// the user is the query, so the model must score items by the inner product of its output with an item table
// (a sampled_softmax loss, as YouTube-DNN trains).
std::vector<std::pair<Index, Real>> recommend_from_index(Model& model, const RunData& data,
                                                         const ItemIndex& index,
                                                         const std::string& index_path, Index user, Index k,
                                                         bool include_seen, Index batch_size);

}  // namespace yamlnet
