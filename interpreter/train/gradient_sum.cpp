#include "interpreter/train/gradient_sum.hpp"

#include <algorithm>

namespace yamlnet {

GradientSum::GradientSum(const std::vector<ParamSlot>& trainable) {
  for (const ParamSlot& slot : trainable) {
    Parameter& p = *slot.param;
    if (p.row_grads)
      sparse_.push_back(SparseTable{&p, RowSet(), {}});
    else
      dense_.push_back(&p);
  }
}

void GradientSum::exchange_touched_rows(Collective& processes) {
  const size_t tables = sparse_.size();
  size_t total = 0;
  for (const SparseTable& t : sparse_) total += t.param->row_grads->rows().size();
  for (;;) {
    const size_t length = 1 + tables + capacity_;
    mine_.assign(length, 0);
    mine_[0] = static_cast<int64_t>(total);
    size_t at = 1 + tables;
    for (size_t k = 0; k < tables; ++k) {
      const std::vector<Index>& rows = sparse_[k].param->row_grads->rows();
      mine_[1 + k] = static_cast<int64_t>(rows.size());
      for (size_t i = 0; i < rows.size() && at < length; ++i) mine_[at++] = rows[i];
    }
    processes.gather_equal(mine_, all_);
    size_t most = 0;
    for (size_t at_rank = 0; at_rank < all_.size(); at_rank += length)
      most = std::max(most, static_cast<size_t>(all_[at_rank]));
    if (most <= capacity_) return;
    capacity_ = most + most / 4;  // every process decides the same from the same messages, and sends again
  }
}

void GradientSum::run(Collective& processes, Real* extra, size_t extra_count) {
  if (processes.size() == 1) return;
  if (!sparse_.empty()) {
    exchange_touched_rows(processes);
    // Walk every process's message in rank order: the union comes out in the same order everywhere.
    for (SparseTable& t : sparse_) t.rows.clear();
    const size_t length = 1 + sparse_.size() + capacity_;
    for (size_t message = 0; message < all_.size(); message += length) {
      size_t at = message + 1 + sparse_.size();
      for (size_t k = 0; k < sparse_.size(); ++k) {
        SparseTable& t = sparse_[k];
        const auto count = static_cast<size_t>(all_[message + 1 + k]);
        for (size_t i = 0; i < count; ++i) {
          const Index row = all_[at + i];
          if (row < 0 || row >= t.param->shape[0])
            throw TrainingError("a process sent row " + std::to_string(row) + " of '" + t.param->name +
                                "', which has " + std::to_string(t.param->shape[0]) + " rows");
          t.everyone.add(row);
        }
        at += count;
      }
    }
    for (SparseTable& t : sparse_) {
      for (Index r : t.everyone.rows()) {
        t.rows.push_back(r);
        t.param->row_grads->add(r);  // this process's gradient row is zero there; the optimizer must visit it
      }
      t.everyone.clear();
    }
  }
  size_t total = 0;
  for (const Parameter* p : dense_) total += static_cast<size_t>(p->grad.size());
  for (const SparseTable& t : sparse_) total += t.rows.size() * static_cast<size_t>(t.param->shape[1]);
  buffer_.resize(total + extra_count);
  Real* at = buffer_.data();
  for (const Parameter* p : dense_) at = std::copy(p->grad.data.begin(), p->grad.data.end(), at);
  for (const SparseTable& t : sparse_) {
    const Index width = t.param->shape[1];
    for (int64_t r : t.rows) at = std::copy_n(t.param->row_grads->add(r), width, at);
  }
  std::copy_n(extra, extra_count, at);
  processes.sum(buffer_.data(), buffer_.size());
  std::copy_n(buffer_.data() + total, extra_count, extra);
  const Real* from = buffer_.data();
  for (Parameter* p : dense_) {
    std::copy_n(from, p->grad.size(), p->grad.data.begin());
    from += p->grad.size();
  }
  for (const SparseTable& t : sparse_) {
    const Index width = t.param->shape[1];
    for (int64_t r : t.rows) {
      std::copy_n(from, width, t.param->row_grads->add(r));
      from += width;
    }
  }
}

}  // namespace yamlnet
