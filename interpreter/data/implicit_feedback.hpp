#pragma once
// `type: implicit_feedback`: an interaction log (user, item, rating, time; MovieLens's u.data as is) turned
// into NCF training data. Positives are held out leave-one-out (the latest interaction per user for test, the
// one before for validation) or at random; each epoch pairs every training positive with
// `negatives_per_positive` items the user never interacted with (never a positive, unlike the reference NCF
// sampler); evaluation ranks each held-out item among `eval_negatives` such items, fixed by the seed.
#include <cstdint>
#include <string>
#include <vector>

#include "interpreter/core/random.hpp"
#include "interpreter/data/data_source.hpp"
#include "interpreter/data/dataset.hpp"
#include "interpreter/data/interaction_log.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

const std::vector<ArgSpec>& implicit_feedback_table();

// Pairs scored for ranking: rows grouped by `group_size`, the held-out item first in each group. The rows are
// the source's validation or test split itself (inputs user, item; target 1 for the held-out item, 0 for the
// negatives), not a copy: at MovieLens-20M's size each is 166 MB.
struct RankingSet {
  const Dataset* rows = nullptr;  // null when nothing is held out
  Index group_size = 0;
  Index groups() const { return rows && group_size ? rows->size() / group_size : 0; }
  const Dataset& pairs() const { return *rows; }
};

class ImplicitFeedback : public DataSource {
 public:
  // With `defer_test`, the test ranking set is built by make_test_split.
  ImplicitFeedback(const ModelSpec& spec, const Graph& model, bool defer_test = false);
  // The ranking sets point into this object's splits.
  ImplicitFeedback(const ImplicitFeedback&) = delete;
  ImplicitFeedback& operator=(const ImplicitFeedback&) = delete;

  // An epoch's examples: row r is positive r / (1 + negatives_per_positive) itself, or one of its negatives,
  // drawn from the seed, the epoch and r alone (whichever process, batch or resume takes the row).
  bool makes_batches() const override { return true; }
  Index epoch_rows() const override { return num_positives() * (1 + negatives_); }
  void fill_rows(int epoch, const RowOrder& order, Index begin, Index end,
                 const BatchBuffers& out) const override;
  void release_validation_split() override;
  void make_test_split() override;
  const RankingSet& validation() const { return validation_; }
  const RankingSet& test() const { return test_; }
  Index num_positives() const { return static_cast<Index>(positives_.items.size()); }
  // Whether `item` is among `user`'s interactions (any split).
  bool interacted(Index user, Index item) const;
  // The pairs (user, item) for every item id 1.., in the model's input order (to recommend from).
  Dataset candidate_pairs(Index user) const;
  // How often each item id is a training positive (the most-popular baseline).
  std::vector<double> item_counts() const;
  Index num_items() const { return num_items_; }
  const std::string& item_input() const { return item_input_; }
  Index num_users() const { return static_cast<Index>(seen_.users()); }

 private:
  // The pairs of `held_out`, written into `split` (left empty when nothing is held out).
  RankingSet ranking_set(const std::vector<std::pair<Index, Index>>& held_out, uint64_t salt,
                         std::optional<Dataset>& split) const;
  Index draw_negative(Index user, Random& rng) const;
  // Throws DataError (the log's file and the user's first line) for a user who had every item.
  void check_negatives_exist(const std::vector<uint32_t>& first_line) const;

  std::string user_input_, item_input_, target_name_, file_;
  size_t user_slot_ = 0, item_slot_ = 1;  // model input positions
  Index negatives_, eval_negatives_, num_items_ = 0;
  uint64_t seed_;
  // At MovieLens-20M's size these two hold 160 MB.
  ItemLists seen_;       // per user: every interacted item (any split), sorted, once each
  ItemLists positives_;  // per user: the training positives, in time order; positive p is positives_.items[p]
  RankingSet validation_, test_;
  std::vector<std::pair<Index, Index>> deferred_test_;  // (user, item) held out for test, until it is built
};

}  // namespace yamlnet
