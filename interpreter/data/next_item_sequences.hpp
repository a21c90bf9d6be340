#pragma once
// `type: next_item_sequences`: an interaction log turned into next-item examples, as the YouTube-DNN recall
// model trains: for every user and every position of their time-ordered history, the items before it (up to
// `max_len`, padded and truncated exactly as Keras's pad_sequences, optionally newest first) predict the item
// at it. The last item of each user is held out for test and the one before for validation; those are ranked
// against the whole catalogue, optionally leaving out the items the user already had.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/data/data_source.hpp"
#include "interpreter/data/dataset.hpp"
#include "interpreter/data/interaction_log.hpp"

namespace yamlnet {

const std::vector<ArgSpec>& next_item_sequences_table();

// One row per user: the history before the held-out item, the item as the target. The rows are the
// source's validation or test split itself, not a copy; the items a user had before are looked up in the
// log when needed (held per row they took 320 MB at MovieLens-20M's size).
struct HeldOutItems {
  const Dataset* rows = nullptr;  // null when nothing is held out
  std::vector<Index> users;
  std::vector<size_t> ends;  // per row: the history before the held-out item is the user's first `end` items
  Index size() const { return static_cast<Index>(users.size()); }
};

class NextItemSequences : public DataSource {
 public:
  // With `defer_test`, the test rows are built by make_test_split.
  NextItemSequences(const ModelSpec& spec, const Graph& model, bool defer_test = false);
  // The held-out sets point into this object's splits.
  NextItemSequences(const NextItemSequences&) = delete;
  NextItemSequences& operator=(const NextItemSequences&) = delete;

  // The training examples, made batch by batch: the epoch's row r is the r-th position (after the first)
  // of the users' kept histories in user order; the whole epoch padded at once would take 4 GB at
  // MovieLens-20M's size.
  bool makes_batches() const override { return true; }
  Index epoch_rows() const override { return static_cast<Index>(first_example_.back()); }
  void fill_rows(int epoch, const RowOrder& order, Index begin, Index end,
                 const BatchBuffers& out) const override;
  std::vector<double> target_counts() const override { return item_counts(); }
  // Every training example at once, in row order (for tests).
  Dataset training_examples() const;
  void release_validation_split() override;
  void make_test_split() override;
  const HeldOutItems& validation() const { return validation_; }
  const HeldOutItems& test() const { return test_; }
  // Each user's whole history (every interaction, held-out ones too) as model inputs, to recommend from.
  Dataset serving_rows(const std::vector<Index>& users) const;
  // The distinct items of `user`'s first `end` interactions (all of them by default), sorted, into `out`.
  void seen_items(Index user, std::vector<Index>& out, size_t end = SIZE_MAX) const;

  bool exclude_seen() const { return exclude_seen_; }
  Index num_users() const { return static_cast<Index>(histories_.users()); }
  // How often each item id is a training target (the most-popular baseline, the frequency sampler).
  std::vector<double> item_counts() const;

 private:
  // The examples of one split in the model's layout: histories already padded, one row of max_len each.
  struct ExampleRows {
    ExampleRows(size_t rows, Index max_len, Real value);
    RealBuffer histories, users, lengths, targets;
  };
  // Appends one example: the items of list[0, end) (chronological) as the history, `target` as the target.
  void add_row(ExampleRows& rows, Index user, std::span<const uint32_t> list, size_t end,
               uint32_t target) const;
  // Writes the history of list[0, end) into a row of max_len values already filled with the padding value;
  // returns how many items it holds.
  size_t write_history(std::span<const uint32_t> list, size_t end, Real* row) const;
  // Which of list[0, end) a history keeps after truncating to max_len: list[first, first + n), as {first, n}.
  std::pair<size_t, size_t> kept_items(size_t end) const;
  // Writes the example of `user` that predicts history item `at` as row r of the batch.
  void write_row(Index r, size_t user, size_t at, const BatchBuffers& out) const;
  // The items of a user's history that training uses (the rest are held out).
  size_t kept(size_t history) const;
  Dataset make_dataset(ExampleRows&& rows) const;
  // The rows ranking each user's item `from_end` from the end of their history, written into `split`.
  HeldOutItems held_out(size_t from_end, std::optional<Dataset>& split) const;

  // Each user's items in time order (the log's times and lines have done their work once it is read).
  ItemLists histories_;
  std::string file_;
  Index num_items_ = 0;
  Index max_len_;
  std::string padding_, truncating_;
  Real value_;
  bool reverse_, exclude_seen_;
  std::string history_input_, user_input_, length_input_, target_name_;
  std::vector<int> slots_;  // model input i reads: 0 history, 1 user, 2 length
  size_t held_ = 1;         // items held out at the end of each history: the test one, and the validation one
  std::vector<size_t> first_example_;  // per user, the epoch row of their first example; then the total
  RangeIndex example_owners_;          // the user of an epoch row
  HeldOutItems validation_, test_;
  bool test_deferred_ = false;
};

}  // namespace yamlnet
