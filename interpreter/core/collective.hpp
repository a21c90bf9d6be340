#pragma once
// The processes of one data-parallel run and what they do together: sum buffers, gather lists. A run of one
// process (the usual case, and every build without MPI) uses SingleProcess, whose operations do nothing; an
// `mpirun` launch uses the MPI implementation the command line creates (interpreter/mpi/).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "interpreter/core/errors.hpp"
#include "interpreter/core/real.hpp"

namespace yamlnet {

// Another process of the run died or stopped answering; the message names it.
// Every live process throws it; `reports` is true on the one that should print the message (the lowest live
// rank), so that it is printed once.
class RankLost : public TrainingError {
 public:
  RankLost(const std::string& message, bool reports) : TrainingError(message), reports_(reports) {}
  bool reports() const { return reports_; }

 private:
  bool reports_;
};

// Rows [begin, end) of `total` that part `part` of `parts` takes (Collective::share), and which part takes
// `row`.
std::pair<int64_t, int64_t> share_of(int64_t total, int parts, int part);
int owner_of_row(int64_t total, int parts, int64_t row);
// MPI's counts and displacements are ints: `values` as one, or a TrainingError naming the exchange when a
// message (a table split over processes and gathered to be written, say) would hold more than that.
int message_count(size_t values, const char* what);

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every process passes a buffer of the same length and gets the element-wise sum over the processes, the
  // same bits on each (for a fixed number of processes, the same bits run to run).
  virtual void sum(Real* values, size_t count) = 0;
  virtual void sum_doubles(double* values, size_t count) = 0;
  // Every process's list joined in rank order; `mine` may differ in length between processes.
  virtual void gather(const std::vector<int64_t>& mine, std::vector<int64_t>& all) = 0;
  // The same when every process's list has the same length: one exchange instead of two.
  virtual void gather_equal(const std::vector<int64_t>& mine, std::vector<int64_t>& all) {
    gather(mine, all);
  }
  virtual void gather_reals(const std::vector<Real>& mine, std::vector<Real>& all) = 0;
  // All-to-all (the rows of a table split across the processes): `send` holds what goes to process 0, then
  // to 1, ... (`send_counts[r]` values each); `received` gets what every process sent to this one, in rank
  // order, and `received_counts` how many from each.
  virtual void exchange(const std::vector<int>& send_counts, const int64_t* send,
                        std::vector<int>& received_counts, std::vector<int64_t>& received) = 0;
  // The same with the counts known on both sides (the rows answering an exchange of ids).
  virtual void exchange_reals(const std::vector<int>& send_counts, const Real* send,
                              const std::vector<int>& received_counts, Real* received) = 0;
  // Where the run is, for the message naming a process that stopped answering ("epoch 2, step 37"); set at
  // every step, so kept as numbers (no string built in a training step).
  void set_position(int epoch, long step) {
    epoch_ = epoch;
    step_ = step;
  }
  std::string position() const;

  bool leader() const { return rank() == 0; }
  // Rows [begin, end) of `total` that this process takes: contiguous, the first ones one row larger when they
  // do not divide evenly.
  std::pair<int64_t, int64_t> share(int64_t total) const { return share_of(total, size(), rank()); }

 private:
  int epoch_ = 0;
  long step_ = 0;
};

class SingleProcess final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(Real*, size_t) override {}
  void sum_doubles(double*, size_t) override {}
  void gather(const std::vector<int64_t>& mine, std::vector<int64_t>& all) override { all = mine; }
  void gather_reals(const std::vector<Real>& mine, std::vector<Real>& all) override { all = mine; }
  void exchange(const std::vector<int>& send_counts, const int64_t* send, std::vector<int>& received_counts,
                std::vector<int64_t>& received) override {
    received_counts = send_counts;
    received.assign(send, send + send_counts[0]);
  }
  void exchange_reals(const std::vector<int>& send_counts, const Real* send, const std::vector<int>&,
                      Real* received) override {
    std::copy(send, send + send_counts[0], received);
  }
};

}  // namespace yamlnet
