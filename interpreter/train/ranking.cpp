#include "interpreter/train/ranking.hpp"

#include <algorithm>
#include <cmath>

#include "interpreter/train/trainer.hpp"

namespace yamlnet {

bool parse_ranking_metric(const std::string& name, std::string& kind, int& k) {
  const auto at = name.find('@');
  if (at == std::string::npos) return false;
  kind = name.substr(0, at);
  const std::string digits = name.substr(at + 1);
  static const std::vector<std::string> kinds{"hr", "ndcg", "recall", "mrr", "map", "precision"};
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end() || digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  if (digits.size() > 9) return false;  // K beyond a billion: not a cut-off any catalogue has (and no int)
  k = std::stoi(digits);
  return k > 0;
}

Logs metrics_from_ranks(const std::vector<Index>& ranks, const std::vector<std::string>& names) {
  Logs logs;
  for (const auto& name : names) {
    std::string kind;
    int k;
    if (!parse_ranking_metric(name, kind, k)) continue;
    double total = 0;
    for (Index rank : ranks) {
      if (rank >= k) continue;
      const auto position = static_cast<double>(rank) + 1.0;  // 1-based
      if (kind == "ndcg")
        total += 1.0 / std::log2(position + 1.0);
      else if (kind == "mrr" || kind == "map")  // one relevant item: its precision is 1 / position
        total += 1.0 / position;
      else if (kind == "precision")
        total += 1.0 / static_cast<double>(k);
      else
        total += 1.0;  // hr, recall
    }
    logs.emplace_back(name, ranks.empty() ? 0.0 : total / static_cast<double>(ranks.size()));
  }
  return logs;
}

std::vector<Index> group_ranks(const Real* scores, Index count, Index group_size) {
  const Index groups = group_size ? count / group_size : 0;
  std::vector<Index> ranks(static_cast<size_t>(groups));
  for (Index g = 0; g < groups; ++g) {
    const Real* s = scores + g * group_size;
    Index rank = 0;
    for (Index j = 1; j < group_size; ++j) rank += s[j] >= s[0] ? 1 : 0;
    ranks[g] = rank;
  }
  return ranks;
}

Logs ranking_metrics_from_scores(const Real* scores, Index count, Index group_size,
                                 const std::vector<std::string>& names) {
  return metrics_from_ranks(group_ranks(scores, count, group_size), names);
}

Index catalog_rank(const Real* scores, Index items, Index target, Index padding,
                   const std::vector<Index>* skip) {
  const Real mine = scores[target];
  // Counted over the whole row without a branch (so it vectorizes), then the target and the padding id taken
  // back out.
  Index rank = 0;
  for (Index c = 0; c < items; ++c) rank += scores[c] >= mine;
  rank -= scores[target] >= mine;
  if (padding >= 0 && padding < items && padding != target) rank -= scores[padding] >= mine;
  if (skip)
    for (Index c : *skip)  // take back the skipped items that were counted
      if (c != target && c != padding && c < items && scores[c] >= mine) --rank;
  return rank;
}

std::vector<Index> ranking_set_ranks(Model& model, const RankingSet& set, Index batch_size, Index first,
                                     Index last, Index block_rows) {
  if (last < 0) last = set.groups();
  // Scored in place, a block of groups at a time: scores of the whole set at once took 55 MB at
  // MovieLens-20M's size. A block is whole batches, so every row is scored in the batch it would be in
  // without blocks.
  const Index per_block = std::max<Index>(1, block_rows / (set.group_size * batch_size)) * batch_size;
  std::vector<Index> ranks;
  ranks.reserve(static_cast<size_t>(last - first));
  for (Index group = first; group < last; group += per_block) {
    const Index end = std::min(last, group + per_block);
    const std::vector<Tensor> scores =
        predict_outputs(model, set.pairs(), batch_size, group * set.group_size, end * set.group_size);
    const std::vector<Index> block = group_ranks(scores[0].ptr(), scores[0].size(), set.group_size);
    ranks.insert(ranks.end(), block.begin(), block.end());
  }
  return ranks;
}

}  // namespace yamlnet
