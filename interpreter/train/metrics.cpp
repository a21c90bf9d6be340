#include "interpreter/train/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

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
          Entry{{"auc", "exact ROC AUC over the epoch's predictions (an output of width 1)"},
                [](const Value&, const std::string& name, Index output_width, Index) {
                  if (output_width != 1)
                    throw TrainingError("auc needs an output of width 1 (a binary score), got " +
                                        std::to_string(output_width));
                  return std::make_unique<Auc>(name);
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

std::unique_ptr<Metric> Metric::create(const std::string& name, Index output_width, Index target_width) {
  const FunctionInfo* info = metric_registry().family().find(name);
  if (!info) throw TrainingError("unknown metric '" + name + "'");
  return metric_registry().create(Value::function(info->name), name, output_width, target_width);
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
