#pragma once
// The processes of an `mpirun` launch as a Collective. Every operation is non-blocking underneath and waited
// for with a deadline, so that a process that hangs (or a machine that drops off the network) is named within
// seconds instead of leaving the others blocked forever; a process that dies is mpirun's to report, and it
// stops the others at once.
#include <mpi.h>

#include "interpreter/core/collective.hpp"

namespace yamlnet {

class MpiCollective final : public Collective {
 public:
  // Starts MPI (MPI_Init_thread) with the program's arguments; `timeout_seconds` is how long one operation
  // waits for the others before naming the missing processes.
  MpiCollective(int& argc, char**& argv, double timeout_seconds);
  ~MpiCollective() override;  // MPI_Finalize
  MpiCollective(const MpiCollective&) = delete;
  MpiCollective& operator=(const MpiCollective&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(Real* values, size_t count) override;
  void sum_doubles(double* values, size_t count) override;
  void gather(const std::vector<int64_t>& mine, std::vector<int64_t>& all) override;
  void gather_equal(const std::vector<int64_t>& mine, std::vector<int64_t>& all) override;
  void gather_reals(const std::vector<Real>& mine, std::vector<Real>& all) override;
  void exchange(const std::vector<int>& send_counts, const int64_t* send, std::vector<int>& received_counts,
                std::vector<int64_t>& received) override;
  void exchange_reals(const std::vector<int>& send_counts, const Real* send,
                      const std::vector<int>& received_counts, Real* received) override;

  void set_timeout(double seconds) { timeout_seconds_ = seconds; }
  // Stops every process of the launch (after this one printed why): MPI_Abort.
  [[noreturn]] void abort_all(int exit_code);

 private:
  // Every process's list length into counts_ and offsets_; returns their total.
  size_t exchange_counts(size_t values, const char* what);
  // Waits for `request` until the deadline; then throws RankLost naming who is missing.
  void wait(MPI_Request& request, const char* what);
  [[noreturn]] void name_missing(const char* what);

  int rank_ = 0, size_ = 1;
  double timeout_seconds_;
  std::vector<int> counts_, offsets_, send_offsets_;
  std::vector<int64_t> lengths_;
};

}  // namespace yamlnet
