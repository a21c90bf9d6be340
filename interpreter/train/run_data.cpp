#include "interpreter/train/run_data.hpp"

#include <algorithm>

#include "interpreter/core/gemm.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/item_index.hpp"
#include "interpreter/train/ranking.hpp"
#include "interpreter/train/trainer.hpp"

namespace yamlnet {

std::unique_ptr<RunData> load_run_data(const ModelSpec& spec, const Graph& model,
                                       const std::vector<Index>& target_widths, bool need_targets,
                                       bool defer_test) {
  auto out = std::make_unique<RunData>();
  out->source = load_data_source(spec, model, DataRequest{target_widths, need_targets, defer_test});
  out->feedback = dynamic_cast<const ImplicitFeedback*>(out->source.get());
  out->next_items = dynamic_cast<const NextItemSequences*>(out->source.get());
  return out;
}

std::vector<std::string> ranking_names(const ModelSpec& spec) {
  std::vector<std::string> out;
  const Value& metrics = spec.compile.get("metrics");
  // Ranking metrics rank the first output's scores, wherever the per-output form lists them.
  const std::vector<Value> lists =
      metrics.kind == Value::Kind::Keyed ? metrics.items() : std::vector<Value>{metrics};
  for (const Value& list : lists)
    for (const auto& name : list.strings()) {
      std::string kind;
      int k;
      if (parse_ranking_metric(name, kind, k) && std::find(out.begin(), out.end(), name) == out.end())
        out.push_back(name);
    }
  return out;
}

namespace {

Index padding_id(const ModelSpec& spec) {
  return spec.data.args.integer("value");
}

const HeldOutItems& held_out(const NextItemSequences& n, const std::string& split) {
  return split == "validation" ? n.validation() : n.test();
}

const RankingSet& ranking_set(const ImplicitFeedback& f, const std::string& split) {
  return split == "validation" ? f.validation() : f.test();
}

// Full-catalogue ranks of rows [first, first + scores' rows) of `set` under `scores` (one row per held-out
// row, or one row for all), appended to `ranks`.
void append_held_out_ranks(const NextItemSequences& n, const HeldOutItems& set, const Tensor& scores,
                           bool shared_row, Index padding, Index first, Index count,
                           std::vector<Index>& ranks) {
  const Index items = scores.last_dim();
  const Tensor& targets = set.rows->targets[0].values;
  std::vector<Index> seen;
  for (Index r = first; r < first + count; ++r) {
    const auto target = static_cast<Index>(targets.data[r]);
    if (target >= items)
      throw TrainingError("item " + std::to_string(target) + " has no score: the model scores " +
                          std::to_string(items) + " items");
    const Real* row = scores.ptr() + (shared_row ? 0 : (r - first) * items);
    if (n.exclude_seen())
      n.seen_items(set.users[static_cast<size_t>(r)], seen, set.ends[static_cast<size_t>(r)]);
    ranks.push_back(catalog_rank(row, items, target, padding, n.exclude_seen() ? &seen : nullptr));
  }
}

// How many items a next-item model scores: the sampled-softmax table's rows, else its output's width.
Index catalog_width(const Model& model) {
  const Value& loss = model.spec().compile.get("loss").for_output(0, model.output_name(0));
  if (loss.s == "sampled_softmax")
    if (const Node* node = model.find(loss.arg("item_embedding")->s))
      return node->layer->params()[0].value.shape[0];
  const Shape& shape = model.output_shape(0);
  return shape.empty() ? 1 : shape.back();
}

}  // namespace

void catalog_scores(Model& model, const Dataset& rows, Index batch_size, Tensor& scores) {
  std::vector<Tensor> outputs = predict_outputs(model, rows, batch_size);
  const Value& loss = model.spec().compile.get("loss").for_output(0, model.output_name(0));
  if (loss.s != "sampled_softmax") {
    scores = std::move(outputs[0]);
    return;
  }
  const Node* node = model.find(loss.arg("item_embedding")->s);
  if (!node) throw TrainingError("no item table '" + loss.arg("item_embedding")->s + "'");
  const Tensor& table = node->layer->params()[0].value;
  const Index dim = table.shape[1];
  scores.resize({outputs[0].batch(), table.shape[0]});
  gemm(Op::plain, outputs[0].matrix(dim), Op::transposed, table.matrix(dim), scores.matrix(table.shape[0]),
       0);
}

std::vector<Index> held_out_item_ranks(Model& model, const NextItemSequences& data, const HeldOutItems& set,
                                       Index batch_size, double block_values, Index from, Index end) {
  if (end < 0) end = set.size();
  // Whole batches per block, so every row is computed in the same batch as without blocks.
  const Index per_block =
      static_cast<Index>(block_values / static_cast<double>(std::max<Index>(1, catalog_width(model))));
  const Index block = std::max<Index>(1, per_block / batch_size) * batch_size;
  std::vector<Index> ranks;
  ranks.reserve(static_cast<size_t>(end - from));
  Tensor scores;  // one block's, its memory reused by the next
  for (Index first = from; first < end; first += block) {
    const Index count = std::min(block, end - first);
    catalog_scores(model, set.rows->slice(first, first + count), batch_size, scores);
    append_held_out_ranks(data, set, scores, false, padding_id(model.spec()), first, count, ranks);
  }
  return ranks;
}

Logs ranking_logs(Model& model, const RunData& data, const std::string& split,
                  const std::vector<std::string>& names, Index batch_size, Collective* processes) {
  if (names.empty()) return {};
  SingleProcess alone;
  Collective& all = processes ? *processes : alone;
  std::vector<Index> ranks;
  model.begin_uneven_passes();
  if (data.feedback) {
    const RankingSet& set = ranking_set(*data.feedback, split);
    if (!set.groups()) return {};
    const auto [first, last] = all.share(set.groups());
    ranks = ranking_set_ranks(model, set, batch_size, first, last);
  } else if (data.next_items) {
    const HeldOutItems& set = held_out(*data.next_items, split);
    if (set.size() == 0) return {};
    const auto [first, last] = all.share(set.size());
    ranks = held_out_item_ranks(model, *data.next_items, set, batch_size, kScoreBlockValues, first, last);
  } else {
    return {};
  }
  model.end_uneven_passes();
  if (all.size() > 1) {
    // Gathered in process order: the same list, in the same order, as one process would make.
    std::vector<int64_t> mine(ranks.begin(), ranks.end()), every;
    all.gather(mine, every);
    ranks.assign(every.begin(), every.end());
  }
  return metrics_from_ranks(ranks, names);
}

void RankingValidation::on_epoch_end(EpochEnd& end) {
  for (const auto& [name, value] : ranking_logs(model_, data_, "validation", names_, batch_size_, processes_))
    end.logs.emplace_back("val_" + name, value);
}

Logs most_popular_logs(const RunData& data, const std::string& split, const std::vector<std::string>& names) {
  if (data.feedback) {
    const RankingSet& set = ranking_set(*data.feedback, split);
    if (!set.groups()) return {};
    const std::vector<double> counts = data.feedback->item_counts();
    std::vector<Real> scores;
    const Tensor* items = nullptr;
    for (const auto& input : set.pairs().inputs)
      if (input.name == data.feedback->item_input()) items = &input.values;
    for (Real item : items->data) scores.push_back(static_cast<Real>(counts[static_cast<size_t>(item)]));
    return ranking_metrics_from_scores(scores, set.group_size, names);
  }
  if (data.next_items) {
    const HeldOutItems& set = held_out(*data.next_items, split);
    const std::vector<double> counts = data.next_items->item_counts();
    Tensor scores({1, static_cast<Index>(counts.size())});
    std::transform(counts.begin(), counts.end(), scores.data.begin(),
                   [](double c) { return static_cast<Real>(c); });
    std::vector<Index> ranks;
    append_held_out_ranks(*data.next_items, set, scores, true, -1, 0, set.size(), ranks);
    return metrics_from_ranks(ranks, names);
  }
  throw UsageError("the most_popular baseline needs implicit_feedback or next_item_sequences data");
}

std::vector<std::pair<Index, Real>> recommend(Model& model, const RunData& data, Index user, Index k,
                                              bool include_seen, Index batch_size) {
  std::vector<std::pair<Index, Real>> scored;
  if (data.next_items) {
    const Tensor scores = catalog_scores(model, data.next_items->serving_rows({user}), batch_size);
    const Index padding = padding_id(model.spec());
    std::vector<Index> seen;
    data.next_items->seen_items(user, seen);
    for (Index c = 0; c < scores.last_dim(); ++c)
      if (c != padding && (include_seen || !std::binary_search(seen.begin(), seen.end(), c)))
        scored.emplace_back(c, scores.data[c]);
  } else if (data.feedback) {
    const Dataset pairs = data.feedback->candidate_pairs(user);
    const std::vector<Tensor> scores = predict_outputs(model, pairs, batch_size);
    for (Index r = 0; r < pairs.size(); ++r)
      if (include_seen || !data.feedback->interacted(user, r + 1))
        scored.emplace_back(r + 1, scores[0].data[r]);
  } else {
    throw UsageError("recommend needs implicit_feedback or next_item_sequences data (users and items)");
  }
  const auto cut = std::min<size_t>(static_cast<size_t>(k), scored.size());
  // Best first; equal scores by id so the list is stable.
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(cut), scored.end(),
                    [](const auto& a, const auto& b) {
                      return a.second > b.second || (a.second == b.second && a.first < b.first);
                    });
  scored.resize(cut);
  return scored;
}

std::vector<std::pair<Index, Real>> recommend_from_index(Model& model, const RunData& data,
                                                         const ItemIndex& index,
                                                         const std::string& index_path, Index user, Index k,
                                                         bool include_seen, Index batch_size) {
  const Value& loss = model.spec().compile.get("loss").for_output(0, model.output_name(0));
  if (!data.next_items || loss.s != "sampled_softmax")
    throw UsageError(
        "recommend --index: an index serves a two-tower model, whose output for a user is the query "
        "(next_item_sequences data and a sampled_softmax loss); this model scores pairs");
  const Tensor query = predict_outputs(model, data.next_items->serving_rows({user}), batch_size)[0];
  if (query.last_dim() != index.dimension())
    throw UsageError(index_path + ": the index holds vectors of " + std::to_string(index.dimension()) +
                     " values; the model's output '" + model.output_name(0) + "' has " +
                     std::to_string(query.last_dim()));
  const Index padding = padding_id(model.spec());
  std::vector<Index> seen;
  data.next_items->seen_items(user, seen);
  // Enough candidates that k remain after the padding id and the user's items are left out.
  const Index wanted = k + 1 + (include_seen ? 0 : static_cast<Index>(seen.size()));
  std::vector<std::pair<Index, Real>> out;
  for (const auto& [item, score] : index.search(query.ptr(), wanted)) {
    if (item == padding || (!include_seen && std::binary_search(seen.begin(), seen.end(), item))) continue;
    out.emplace_back(item, score);
    if (static_cast<Index>(out.size()) == k) break;
  }
  return out;
}

}  // namespace yamlnet
