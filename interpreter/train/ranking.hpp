#pragma once
// Ranking metrics under the NCF protocol: each held-out item is ranked among its sampled negatives.
// hr@K: the held-out item is in the top K; ndcg@K: 1 / log2(rank + 2) when it is. Ties count against the
// held-out item, so a model that scores everything alike does not look good.
#include <string>
#include <vector>

#include "interpreter/data/implicit_feedback.hpp"
#include "interpreter/train/logs.hpp"

namespace yamlnet {

// "hr@10" -> kind "hr", k 10. False for other names.
bool parse_ranking_metric(const std::string& name, std::string& kind, int& k);

// The named ranking metrics of `model` on `set` (names as given, e.g. "hr@10").
Logs ranking_metrics(Model& model, const RankingSet& set, const std::vector<std::string>& names,
                     Index batch_size);

// Ranking metrics from scores grouped as RankingSet rows (the held-out item first in each group).
Logs ranking_metrics_from_scores(const std::vector<Real>& scores, Index group_size,
                                 const std::vector<std::string>& names);

}  // namespace yamlnet
