#pragma once
// Ranking metrics under the NCF protocol: each held-out item is ranked among its sampled negatives.
// hr@K (and recall@K): the held-out item is in the top K; ndcg@K: 1 / log2(position + 1) when it is;
// mrr@K: 1 / position; map@K: the average precision of the one relevant item, also 1 / position;
// precision@K: 1 / K (one relevant item among the K shown). Positions are 1-based; 0 beyond K. Ties count
// against the held-out item, so a model that scores everything alike does not look good.
#include <string>
#include <vector>

#include "interpreter/data/implicit_feedback.hpp"
#include "interpreter/train/logs.hpp"

namespace yamlnet {

class Model;

// "hr@10" -> kind "hr", k 10 (kinds hr, ndcg, recall, mrr, map, precision). False for other names.
bool parse_ranking_metric(const std::string& name, std::string& kind, int& k);

// The named metrics from 0-based ranks of the held-out items. With one held-out item per row, recall@K
// equals hr@K.
Logs metrics_from_ranks(const std::vector<Index>& ranks, const std::vector<std::string>& names);

// Full-catalogue rank of `target` among the ids [0, items) except `padding` and the sorted ids in `skip`
// (the items a user already had; the target itself is never skipped). Ties count against the target.
Index catalog_rank(const Real* scores, Index items, Index target, Index padding,
                   const std::vector<Index>* skip);

// Rows of a ranking set scored at a time (4 MB of scores).
constexpr Index kRankingBlockRows = Index{1} << 20;

// The ranks of the held-out items of groups [first, last) of `set` (last -1: to the end) under `model`,
// scored about `block_rows` rows at a time.
std::vector<Index> ranking_set_ranks(Model& model, const RankingSet& set, Index batch_size, Index first = 0,
                                     Index last = -1, Index block_rows = kRankingBlockRows);

// The 0-based rank of each group's held-out item (its first score) among the group, ties against it.
std::vector<Index> group_ranks(const Real* scores, Index count, Index group_size);

// Ranking metrics from scores grouped as RankingSet rows (the held-out item first in each group).
Logs ranking_metrics_from_scores(const Real* scores, Index count, Index group_size,
                                 const std::vector<std::string>& names);
inline Logs ranking_metrics_from_scores(const std::vector<Real>& scores, Index group_size,
                                        const std::vector<std::string>& names) {
  return ranking_metrics_from_scores(scores.data(), static_cast<Index>(scores.size()), group_size, names);
}

}  // namespace yamlnet
