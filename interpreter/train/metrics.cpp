#include "interpreter/train/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "interpreter/core/collective.hpp"
#include "interpreter/core/errors.hpp"
#include "interpreter/spec/kind_registry.hpp"

namespace yamlnet {

namespace {

Index argmax(const Real* v, Index n) {
  Index best = 0;
  for (Index i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

class BinaryAccuracy : public Metric {
 public:
  using Metric::Metric;
  double row_value(const Real* p, const Real* t, Index w) const override {
    double hits = 0;
    for (Index i = 0; i < w; ++i) hits += ((p[i] > Real(0.5)) == (t[i] > Real(0.5))) ? 1.0 : 0.0;
    return hits / static_cast<double>(w);
  }
};

class CategoricalAccuracy : public Metric {
 public:
  using Metric::Metric;
  double row_value(const Real* p, const Real* t, Index w) const override {
    return argmax(p, w) == argmax(t, w) ? 1.0 : 0.0;
  }
};

class SparseCategoricalAccuracy : public Metric {
 public:
  using Metric::Metric;
  double row_value(const Real* p, const Real* t, Index w) const override {
    return argmax(p, w) == static_cast<Index>(t[0]) ? 1.0 : 0.0;
  }
  Index target_width(Index) const override { return 1; }
};

class MeanErrorMetric : public Metric {
 public:
  MeanErrorMetric(std::string name, bool squared) : Metric(std::move(name)), squared_(squared) {}
  double row_value(const Real* p, const Real* t, Index w) const override {
    double total = 0;
    for (Index i = 0; i < w; ++i) {
      const double d = static_cast<double>(p[i]) - t[i];
      total += squared_ ? d * d : std::abs(d);
    }
    return total / static_cast<double>(w);
  }

 private:
  bool squared_;
};

// Whether the target is among the k largest predictions; ties at the boundary count in, as tf.math.in_top_k.
bool in_top_k(const Real* p, Index w, Index target, Index k) {
  Index larger = 0;
  for (Index i = 0; i < w; ++i) larger += p[i] > p[target] ? 1 : 0;
  return larger < k;
}

class TopKAccuracy : public Metric {
 public:
  TopKAccuracy(std::string name, Index k, bool sparse) : Metric(std::move(name)), k_(k), sparse_(sparse) {}
  double row_value(const Real* p, const Real* t, Index w) const override {
    return in_top_k(p, w, sparse_ ? static_cast<Index>(t[0]) : argmax(t, w), k_) ? 1.0 : 0.0;
  }
  Index target_width(Index width) const override { return sparse_ ? 1 : width; }

 private:
  Index k_;
  bool sparse_;
};

// Keras's confusion-matrix metrics: every output value is a binary prediction, positive above each
// threshold; the (weighted) true/false positive/negative counts accumulate over the epoch. A value counts
// once, in the bucket of the thresholds it exceeds (a binary search, not one test per threshold); the counts
// per threshold are sums over the buckets above it.
class ConfusionMetric : public Metric {
 public:
  ConfusionMetric(std::string name, std::vector<double> thresholds)
      : Metric(std::move(name)), thresholds_(std::move(thresholds)) {
    reset();
  }
  void reset() override {
    positives_.assign(thresholds_.size() + 1, 0.0);
    negatives_.assign(thresholds_.size() + 1, 0.0);
  }
  void update(const Tensor& pred, const Tensor& target, const Tensor* row_weights) override {
    const Index width = pred.last_dim(), rows = pred.size() / width;
    for (Index r = 0; r < rows; ++r) {
      const double w = row_weights ? static_cast<double>(row_weights->data[r]) : 1.0;
      if (w == 0.0) continue;
      for (Index c = 0; c < width; ++c) {
        const double p = pred.data[r * width + c];
        // How many thresholds p is above: predicted positive at threshold t exactly when t < bucket.
        const auto bucket = static_cast<size_t>(std::lower_bound(thresholds_.begin(), thresholds_.end(), p) -
                                                thresholds_.begin());
        (target.data[r * width + c] > Real(0.5) ? positives_ : negatives_)[bucket] += w;
      }
    }
  }

 protected:
  struct Counts {
    std::vector<double> tp, fp, tn, fn;  // per threshold
  };
  Counts counts() const {
    const size_t n = thresholds_.size();
    Counts c{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n), std::vector<double>(n)};
    double positives_above = 0, negatives_above = 0, positives_total = 0, negatives_total = 0;
    for (size_t b = 0; b <= n; ++b) {
      positives_total += positives_[b];
      negatives_total += negatives_[b];
    }
    for (size_t t = n; t-- > 0;) {
      positives_above += positives_[t + 1];
      negatives_above += negatives_[t + 1];
      c.tp[t] = positives_above;
      c.fp[t] = negatives_above;
      c.fn[t] = positives_total - positives_above;
      c.tn[t] = negatives_total - negatives_above;
    }
    return c;
  }
  double row_value(const Real*, const Real*, Index) const override { return 0.0; }
  void reduce(Collective& processes) override {
    processes.sum_doubles(positives_.data(), positives_.size());
    processes.sum_doubles(negatives_.data(), negatives_.size());
  }
  static double ratio(double a, double b) { return b == 0.0 ? 0.0 : a / b; }  // tf.math.divide_no_nan
  std::vector<double> thresholds_;

 private:
  std::vector<double> positives_, negatives_;  // weights per bucket: values above exactly b thresholds
};

class Precision : public ConfusionMetric {
 public:
  explicit Precision(std::string name) : ConfusionMetric(std::move(name), {0.5}) {}
  double result() const override {
    const Counts c = counts();
    return ratio(c.tp[0], c.tp[0] + c.fp[0]);
  }
};

class Recall : public ConfusionMetric {
 public:
  explicit Recall(std::string name) : ConfusionMetric(std::move(name), {0.5}) {}
  double result() const override {
    const Counts c = counts();
    return ratio(c.tp[0], c.tp[0] + c.fn[0]);
  }
};

// Keras's AUC(): 200 thresholds evenly over [0, 1] (the ends just outside it), the ROC curve's area by the
// trapezoid rule, the PR curve's by Davis & Goadrich's interpolation (precision varies as TP / P with TP and
// P linear between thresholds).
class ThresholdAuc : public ConfusionMetric {
 public:
  ThresholdAuc(std::string name, bool pr)
      : ConfusionMetric(std::move(name), keras_thresholds(200)), pr_(pr) {}
  bool cheap_to_read() const override { return false; }
  double result() const override {
    const Counts c = counts();
    return pr_ ? pr_area(c) : roc_area(c);
  }

 private:
  static std::vector<double> keras_thresholds(int count) {
    constexpr double kEpsilon = 1e-7;  // Keras's backend epsilon: 0 and 1 fall inside the ends
    std::vector<double> t{0.0 - kEpsilon};
    for (int i = 1; i <= count - 2; ++i) t.push_back(static_cast<double>(i) / (count - 1));
    t.push_back(1.0 + kEpsilon);
    return t;
  }
  double roc_area(const Counts& c) const {
    double area = 0;
    for (size_t t = 0; t + 1 < thresholds_.size(); ++t) {
      const double x0 = ratio(c.fp[t], c.fp[t] + c.tn[t]), x1 = ratio(c.fp[t + 1], c.fp[t + 1] + c.tn[t + 1]);
      const double y0 = ratio(c.tp[t], c.tp[t] + c.fn[t]), y1 = ratio(c.tp[t + 1], c.tp[t + 1] + c.fn[t + 1]);
      area += (x0 - x1) * (y0 + y1) / 2.0;
    }
    return area;
  }
  double pr_area(const Counts& c) const {
    double area = 0;
    for (size_t t = 0; t + 1 < thresholds_.size(); ++t) {
      const double p0 = c.tp[t] + c.fp[t], p1 = c.tp[t + 1] + c.fp[t + 1];
      const double dtp = c.tp[t] - c.tp[t + 1];
      const double slope = ratio(dtp, std::max(p0 - p1, 0.0));
      const double intercept = c.tp[t + 1] - slope * p1;
      const double p_ratio = p0 > 0 && p1 > 0 ? ratio(p0, std::max(p1, 0.0)) : 1.0;
      area += ratio(slope * (dtp + intercept * std::log(p_ratio)), std::max(c.tp[t + 1] + c.fn[t + 1], 0.0));
    }
    return area;
  }
  bool pr_;
};

// Exact ROC AUC by ranking (Mann-Whitney U, ties at their average rank) over every prediction of the epoch;
// Keras's AUC approximates it with 200 thresholds.
class Auc : public Metric {
 public:
  using Metric::Metric;
  void reset() override {
    scores_.clear();
    labels_.clear();
  }
  void update(const Tensor& pred, const Tensor& target, const Tensor* row_weights) override {
    for (Index r = 0; r < pred.size(); ++r) {
      if (row_weights && row_weights->data[r] == 0) continue;
      scores_.push_back(pred.data[r]);
      labels_.push_back(target.data[r] > Real(0.5));
    }
  }
  bool cheap_to_read() const override { return false; }
  void reduce(Collective& processes) override {
    std::vector<Real> all, labels(labels_.begin(), labels_.end()), all_labels;
    processes.gather_reals(scores_, all);
    processes.gather_reals(labels, all_labels);
    scores_ = std::move(all);
    labels_.assign(all_labels.begin(), all_labels.end());
  }
  double result() const override {
    std::vector<size_t> order(scores_.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores_[a] < scores_[b]; });
    double positive_rank_sum = 0, positives = 0;
    for (size_t i = 0; i < order.size();) {
      size_t j = i;
      while (j < order.size() && scores_[order[j]] == scores_[order[i]]) ++j;
      const double average_rank = (static_cast<double>(i) + static_cast<double>(j) + 1.0) / 2.0;  // 1-based
      for (size_t k = i; k < j; ++k)
        if (labels_[order[k]]) {
          positive_rank_sum += average_rank;
          positives += 1;
        }
      i = j;
    }
    const double negatives = static_cast<double>(order.size()) - positives;
    if (positives == 0 || negatives == 0) return 0.0;
    return (positive_rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
  }

 protected:
  double row_value(const Real*, const Real*, Index) const override { return 0.0; }

 private:
  std::vector<Real> scores_;
  std::vector<bool> labels_;
};

// Keras's confusion metrics compare each output with the target of the same position: a label per row (sparse
// targets) against several outputs is a shape error there, and would read the wrong targets here.
void require_matching_targets(const std::string& name, Index output_width, Index target_width) {
  if (target_width != output_width)
    throw TrainingError(name + " compares every output with its own target, but the output has " +
                        std::to_string(output_width) + " values per row and the target " +
                        std::to_string(target_width) +
                        " (sparse labels?); use one-hot targets or sparse_categorical_accuracy");
}

}  // namespace

const KindRegistry<Metric, const std::string&, Index, Index>& metric_registry() {
  using Entry = KindEntry<Metric, const std::string&, Index, Index>;
  static const KindRegistry<Metric, const std::string&, Index, Index> registry{
      "metric",
      {
          Entry{{"accuracy",
                 "binary, categorical or sparse categorical accuracy, picked from the output and target "
                 "widths as Keras does",
                 {},
                 {"acc"}},
                [](const Value&, const std::string& name, Index output_width,
                   Index target_width) -> std::unique_ptr<Metric> {
                  if (output_width == 1) return std::make_unique<BinaryAccuracy>(name);
                  if (target_width == 1) return std::make_unique<SparseCategoricalAccuracy>(name);
                  return std::make_unique<CategoricalAccuracy>(name);
                }},
          Entry{{"binary_accuracy", "share of outputs on the right side of 0.5"},
                [](const Value&, const std::string& name, Index, Index) {
                  return std::make_unique<BinaryAccuracy>(name);
                }},
          Entry{{"categorical_accuracy", "share of rows whose largest output is the one-hot target"},
                [](const Value&, const std::string& name, Index, Index) {
                  return std::make_unique<CategoricalAccuracy>(name);
                }},
          Entry{{"sparse_categorical_accuracy", "share of rows whose largest output is the integer target"},
                [](const Value&, const std::string& name, Index, Index) {
                  return std::make_unique<SparseCategoricalAccuracy>(name);
                }},
          Entry{{"mean_absolute_error", "mean |y_pred - y_true|", {}, {"mae"}},
                [](const Value&, const std::string& name, Index, Index) {
                  return std::make_unique<MeanErrorMetric>(name, false);
                }},
          Entry{{"mean_squared_error", "mean (y_pred - y_true)^2", {}, {"mse"}},
                [](const Value&, const std::string& name, Index, Index) {
                  return std::make_unique<MeanErrorMetric>(name, true);
                }},
          Entry{{"auc",
                 "Keras's AUC(): area under the ROC curve over 200 thresholds, every output value a "
                 "binary prediction",
                 {},
                 {"AUC"}},
                [](const Value&, const std::string& name, Index output_width, Index target_width) {
                  require_matching_targets(name, output_width, target_width);
                  return std::make_unique<ThresholdAuc>(name, false);
                }},
          Entry{{"pr_auc", "Keras's AUC(curve='PR'): area under the precision-recall curve, interpolated"},
                [](const Value&, const std::string& name, Index output_width, Index target_width) {
                  require_matching_targets(name, output_width, target_width);
                  return std::make_unique<ThresholdAuc>(name, true);
                }},
          Entry{{"exact_auc", "exact ROC AUC by ranking the epoch's predictions (an output of width 1)"},
                [](const Value&, const std::string& name, Index output_width, Index) {
                  if (output_width != 1)
                    throw TrainingError("exact_auc needs an output of width 1 (a binary score), got " +
                                        std::to_string(output_width));
                  return std::make_unique<Auc>(name);
                }},
          Entry{{"precision", "Keras's Precision(): true positives over predicted positives (above 0.5)"},
                [](const Value&, const std::string& name, Index output_width, Index target_width) {
                  require_matching_targets(name, output_width, target_width);
                  return std::make_unique<Precision>(name);
                }},
          Entry{{"recall", "Keras's Recall(): true positives over actual positives (predictions above 0.5)"},
                [](const Value&, const std::string& name, Index output_width, Index target_width) {
                  require_matching_targets(name, output_width, target_width);
                  return std::make_unique<Recall>(name);
                }},
          Entry{{"top_k_categorical_accuracy",
                 "share of rows whose one-hot target is among the 5 largest outputs (ties count in)"},
                [](const Value&, const std::string& name, Index, Index) {
                  return std::make_unique<TopKAccuracy>(name, 5, false);
                }},
          Entry{{"sparse_top_k_categorical_accuracy",
                 "share of rows whose integer target is among the 5 largest outputs (ties count in)"},
                [](const Value&, const std::string& name, Index, Index) {
                  return std::make_unique<TopKAccuracy>(name, 5, true);
                }},
      }};
  return registry;
}

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const FunctionInfo& info : metric_registry().family().members) {
      out.push_back(info.name);
      out.insert(out.end(), info.aliases.begin(), info.aliases.end());
    }
    return out;
  }();
  return names;
}

std::unique_ptr<Metric> Metric::create(const std::string& name, Index output_width, Index target_width,
                                       const std::string& logged_as) {
  const FunctionInfo* info = metric_registry().family().find(name);
  if (!info) throw TrainingError("unknown metric '" + name + "'");
  return metric_registry().create(Value::function(info->name), logged_as.empty() ? name : logged_as,
                                  output_width, target_width);
}

void Metric::reduce(Collective& processes) {
  double state[2] = {sum_, count_};
  processes.sum_doubles(state, 2);
  sum_ = state[0];
  count_ = state[1];
}

void Metric::update(const Tensor& pred, const Tensor& target, const Tensor* row_weights) {
  const Index width = pred.last_dim(), rows = pred.size() / width;
  const Index tw = target_width(width);
  for (Index r = 0; r < rows; ++r) {
    const double w = row_weights ? static_cast<double>(row_weights->data[r]) : 1.0;
    if (w == 0.0) continue;
    sum_ += w * row_value(pred.ptr() + r * width, target.ptr() + r * tw, width);
    count_ += w;
  }
}

}  // namespace yamlnet
