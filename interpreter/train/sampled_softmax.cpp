#include "interpreter/train/sampled_softmax.hpp"

#include <cmath>
#include <limits>

#include "interpreter/core/gemm.hpp"
#include "interpreter/graph/model.hpp"
#include "layers/embedding/embedding.hpp"

namespace yamlnet {

std::vector<ArgSpec> sampled_softmax_args() {
  return {
      required(string_arg("item_embedding", std::nullopt,
                          "the Embedding layer whose table holds the item (class) vectors")),
      int_arg("num_sampled", 100, "distinct items drawn per batch to score against", 1),
      enum_arg("sampler", "log_uniform", {"log_uniform", "uniform", "frequency"},
               "log_uniform: Zipfian over ids (ids numbered by decreasing popularity); frequency: the "
               "training targets' counts raised to `distortion`"),
      float_arg("distortion", 1.0, "sampler: frequency: exponent on the counts (word2vec uses 0.75)", 0.0),
      bool_arg("remove_accidental_hits", true, "ignore a sampled item that is the row's true item"),
      bool_arg("subtract_log_q", true, "subtract log(expected count) from each logit (the log-Q correction)"),
  };
}

namespace {

CandidateSampler::Kind sampler_kind(const std::string& name) {
  if (name == "uniform") return CandidateSampler::Kind::Uniform;
  if (name == "frequency") return CandidateSampler::Kind::Frequency;
  return CandidateSampler::Kind::LogUniform;
}

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

}  // namespace

SampledSoftmax::SampledSoftmax(const Value& spec)
    : Loss("sampled_softmax"),
      spec_(spec),
      table_layer_(spec.arg("item_embedding") ? spec.arg("item_embedding")->s : ""),
      num_sampled_(static_cast<Index>(spec.number_arg("num_sampled"))),
      remove_hits_(spec.arg("remove_accidental_hits")->b),
      subtract_log_q_(spec.arg("subtract_log_q")->b) {}

void SampledSoftmax::bind(Graph& graph, size_t output) {
  const Value* arg = spec_.arg("item_embedding");
  auto fail = [&](const std::string& message) {
    throw ConfigError({Diagnostic{arg->loc, "", "", "compile.loss.item_embedding: " + message}});
  };
  Node* node = graph.find(table_layer_);
  if (!node) {
    std::vector<std::string> names;
    for (const auto& n : graph.nodes())
      if (n.layer->type() == "Embedding") names.push_back(n.layer->name());
    std::string hint = nearest_name(table_layer_, names);
    fail("no layer named '" + table_layer_ + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
  }
  auto* table = dynamic_cast<Embedding*>(node->layer.get());
  if (!table) fail("'" + table_layer_ + "' is a " + node->layer->type() + ", not an Embedding");
  if (table->shard_requested())
    fail("'" + table_layer_ +
         "' is split by rows (shard: rows), but sampled softmax scores candidates against the whole table; "
         "split only the other tables");
  Parameter& weights = table->params()[0];
  const Index width = graph.output_shape(output).back();
  if (weights.shape[1] != width)
    fail("the table's rows have " + std::to_string(weights.shape[1]) + " values but output '" +
         graph.output_name(output) + "' has " + std::to_string(width) + " (they are multiplied)");
  const bool trains = table->trainable();
  bind_table(&weights.value, trains && !weights.row_grads ? &weights.grad : nullptr, table->mask_zero(),
             trains && weights.row_grads ? &*weights.row_grads : nullptr);
  const Index candidates = sampler_->drawable();
  if (num_sampled_ > candidates)
    throw ConfigError({Diagnostic{spec_.arg("num_sampled")->loc, "", "",
                                  "compile.loss.num_sampled: " + std::to_string(num_sampled_) +
                                      " distinct items cannot be drawn from " + std::to_string(candidates)}});
}

void SampledSoftmax::bind_table(Tensor* table, Tensor* table_grad, bool zero_is_padding,
                                RowGradients* table_rows) {
  table_ = table;
  table_grad_ = table_grad;
  table_rows_ = table_rows;
  first_id_ = zero_is_padding ? 1 : 0;
  sampler_ = std::make_unique<CandidateSampler>(sampler_kind(spec_.arg("sampler")->s), first_id_,
                                                table->shape[0], spec_.number_arg("distortion"));
}

void SampledSoftmax::observe_targets(const Tensor& targets) {
  if (!sampler_ || spec_.arg("sampler")->s != "frequency") return;
  std::vector<double> counts(static_cast<size_t>(table_->shape[0]), 0.0);
  for (Real v : targets.data) counts[static_cast<size_t>(checked_id(v))] += 1.0;
  sampler_->set_counts(counts);
}

void SampledSoftmax::observe_target_counts(const std::vector<double>& counts) {
  if (!sampler_ || spec_.arg("sampler")->s != "frequency") return;
  // The data's ids were checked against the table when it was read; the table may have more rows.
  std::vector<double> per_row(static_cast<size_t>(table_->shape[0]), 0.0);
  std::copy_n(counts.begin(), std::min(counts.size(), per_row.size()), per_row.begin());
  sampler_->set_counts(per_row);
}

Index SampledSoftmax::checked_id(Real value) const {
  const auto id = static_cast<Index>(value);
  if (static_cast<Real>(id) != value || id < first_id_ || id >= table_->shape[0])
    throw TrainingError("sampled_softmax: target " + std::to_string(value) + " is not an item id in [" +
                        std::to_string(first_id_) + ", " + std::to_string(table_->shape[0]) +
                        ") of the table '" + table_layer_ + "'");
  return id;
}

double SampledSoftmax::start_row(const Tensor* row_weights, const Tensor& target, Index b) {
  ids_[b] = checked_id(target.data[b]);
  return row_weights ? static_cast<double>(row_weights->data[b]) : 1.0;
}

void SampledSoftmax::check_input(const Tensor& input) const {
  if (!table_) throw TrainingError("sampled_softmax: the loss is not bound to an item table");
  if (input.last_dim() != table_->shape[1])
    throw TrainingError("sampled_softmax: input rows have " + std::to_string(input.last_dim()) +
                        " values, the table's " + std::to_string(table_->shape[1]));
}

double SampledSoftmax::compute(const Tensor& input, const Tensor& target, Tensor& grad,
                               const Tensor* row_weights, Random* sampling) {
  check_input(input);
  grad.resize(input.shape);
  return sampling ? sampled(input, target, grad, row_weights, *sampling)
                  : full(input, target, row_weights, &grad);
}

double SampledSoftmax::value(const Tensor& input, const Tensor& target, const Tensor* row_weights) {
  check_input(input);
  return full(input, target, row_weights, nullptr);
}

namespace {

// Softmax cross-entropy of a row whose true logit is column 0: writes the probabilities into `row` and
// returns -log p[0].
double softmax_first(double* row, Index width) {
  double top = row[0];
  for (Index c = 1; c < width; ++c) top = std::max(top, row[c]);
  // One exponential per logit, kept and scaled (the exponentials were a tenth of a YouTube-DNN step at 20M
  // when they were taken twice, once for the sum and once for the probabilities).
  const double loss_before_sum = top - row[0];
  double sum = 0;
  for (Index c = 0; c < width; ++c) {
    row[c] = std::exp(row[c] - top);
    sum += row[c];
  }
  const double loss = loss_before_sum + std::log(sum);
  const double scale = 1 / sum;
  for (Index c = 0; c < width; ++c) row[c] *= scale;
  return loss;
}

}  // namespace

double SampledSoftmax::sampled(const Tensor& input, const Tensor& target, Tensor& grad,
                               const Tensor* row_weights, Random& rng) {
  const Index dim = input.last_dim(), rows = input.size() / dim, s = num_sampled_;
  if (!sampler_->ready())
    throw TrainingError(
        "sampled_softmax: the frequency sampler has no counts (observe_targets was not called)");
  const Index tries = tries_ = sampler_->sample_unique(s, rng, sample_);
  sample_log_q_.resize(static_cast<size_t>(s));
  sampled_rows_.resize({s, dim});
  const ConstMatrixMap table = static_cast<const Tensor&>(*table_).matrix(dim);
  for (Index j = 0; j < s; ++j) {
    sample_log_q_[j] = subtract_log_q_ ? std::log(sampler_->expected_count(sample_[j], s, tries)) : 0.0;
    sampled_rows_.matrix(dim).row(j) = table.row(sample_[j]);
  }
  const ConstMatrixMap u = input.matrix(dim);
  // Scores of every row against the shared sample: one product over the batch.
  logits_.resize({rows, s});
  logits_.matrix(s).noalias() = u * sampled_rows_.matrix(dim).transpose();

  double total = 0, weight_sum = 0;
  std::vector<double>& row = row_scratch_;
  row.resize(static_cast<size_t>(s + 1));
  row_grads_.resize({rows, s});
  MatrixMap g_sampled = row_grads_.matrix(s);
  std::vector<Real>& g_true = true_grads_;
  g_true.assign(static_cast<size_t>(rows), Real(0));
  const std::vector<Index>& ids = ids_;
  ids_.resize(static_cast<size_t>(rows));
  for (Index b = 0; b < rows; ++b) {
    const double w = start_row(row_weights, target, b);
    if (w == 0.0) {
      g_sampled.row(b).setZero();
      continue;
    }
    const double q_true = subtract_log_q_ ? std::log(sampler_->expected_count(ids[b], s, tries)) : 0.0;
    row[0] = static_cast<double>(u.row(b).dot(table.row(ids[b]))) - q_true;
    for (Index j = 0; j < s; ++j)
      row[j + 1] = remove_hits_ && sample_[j] == ids[b]
                       ? kMinusInfinity
                       : static_cast<double>(logits_.data[b * s + j]) - sample_log_q_[j];
    total += w * softmax_first(row.data(), s + 1);
    weight_sum += w;
    g_true[b] = static_cast<Real>(w * (row[0] - 1.0));
    for (Index j = 0; j < s; ++j) g_sampled(b, j) = static_cast<Real>(w * row[j + 1]);
  }
  if (weight_sum == 0.0) {
    grad.set_zero();
    return 0.0;
  }
  const Real scale = static_cast<Real>(1.0 / weight_sum);
  g_sampled *= scale;
  MatrixMap du = grad.matrix(dim);
  du.noalias() = g_sampled * sampled_rows_.matrix(dim);
  for (Index b = 0; b < rows; ++b) du.row(b) += (g_true[b] * scale) * table.row(ids[b]);
  if (table_grad_ || table_rows_) {
    const auto dw_row = [&](Index id) {
      return RowVectorMap(table_rows_ ? table_rows_->add(id) : table_grad_->ptr() + id * dim, dim);
    };
    const auto table_scale = static_cast<Real>(parameter_gradient_scale_);
    for (Index b = 0; b < rows; ++b) dw_row(ids[b]) += (g_true[b] * scale * table_scale) * u.row(b);
    // Reuse sampled_rows_ for d loss / d sampled rows (the rows themselves are no longer needed).
    sampled_rows_.matrix(dim).noalias() = table_scale * (g_sampled.transpose() * u);
    for (Index j = 0; j < s; ++j) dw_row(sample_[j]) += sampled_rows_.matrix(dim).row(j);
  }
  return total / weight_sum;
}

double SampledSoftmax::full(const Tensor& input, const Tensor& target, const Tensor* row_weights,
                            Tensor* grad) {
  const Index dim = input.last_dim(), rows = input.size() / dim, items = table_->shape[0];
  const ConstMatrixMap table = static_cast<const Tensor&>(*table_).matrix(dim);
  logits_.resize({rows, items});
  MatrixMap logits = logits_.matrix(items);
  gemm(Op::plain, input.matrix(dim), Op::transposed, table, logits, 0);
  double total = 0, weight_sum = 0;
  ids_.resize(static_cast<size_t>(rows));
  for (Index b = 0; b < rows; ++b) {
    const double w = start_row(row_weights, target, b);
    if (w == 0.0) {
      if (grad) logits.row(b).setZero();
      continue;
    }
    // Every item but the padding id (start_row made sure the row's item is one of them). The exponentials
    // are taken in the model's precision, in place, where they vectorize (27k items for each of 138k users
    // at MovieLens-20M's size), and summed that way a short block at a time, the blocks in double.
    const double true_logit = logits(b, ids_[b]);
    const Index count = items - first_id_;
    auto scores = logits.row(b).tail(count).array();
    const Real top = scores.maxCoeff();
    scores = (scores - top).exp();
    constexpr Index kBlock = 256;
    double sum = 0;
    for (Index c = 0; c < count; c += kBlock)
      sum += static_cast<double>(scores.segment(c, std::min(kBlock, count - c)).sum());
    total += w * (static_cast<double>(top) + std::log(sum) - true_logit);
    weight_sum += w;
    if (!grad) continue;
    // d loss / d score: w (p - 1 for the row's item), none for the padding id.
    logits.row(b).head(first_id_).setZero();
    scores *= static_cast<Real>(w / sum);
    logits(b, ids_[b]) -= static_cast<Real>(w);
  }
  if (!grad) return weight_sum == 0.0 ? 0.0 : total / weight_sum;
  if (weight_sum == 0.0) {
    grad->set_zero();
    return 0.0;
  }
  MatrixMap du = grad->matrix(dim);
  gemm(Op::plain, logits, Op::plain, table, du, 0);
  du *= static_cast<Real>(1.0 / weight_sum);
  return total / weight_sum;
}

}  // namespace yamlnet
