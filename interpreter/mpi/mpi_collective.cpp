#include "interpreter/mpi/mpi_collective.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <type_traits>

namespace yamlnet {

namespace {

MPI_Datatype real_type() {
  return std::is_same_v<Real, float> ? MPI_FLOAT : MPI_DOUBLE;
}

// How long a wait polls without pausing: a training step's imbalance between processes is well below it.
constexpr double kSpinSeconds = 0.002;

// The tag of the "still here" messages the live processes swap once an operation timed out.
constexpr int kAliveTag = 7301;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

MpiCollective::MpiCollective(int& argc, char**& argv, double timeout_seconds)
    : timeout_seconds_(timeout_seconds) {
  // Processes on one machine pass messages through shared memory. OpenMPI 4's default for messages above
  // 4 KB is a single copy by cross-memory attach (process_vm_readv), which in a VM took 33 us for a
  // training step's 98 KB gradient sum where copying through the shared segment took 18 (NeuMF at batch 256,
  // docs/benchmarks.md), and which fails outright in containers that do not allow ptrace. A user's own
  // setting (the environment, or mpirun --mca) wins.
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  int provided = 0;
  // Only the main thread calls MPI; the worker pool never does.
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  counts_.resize(static_cast<size_t>(size_));
  offsets_.resize(static_cast<size_t>(size_));
  lengths_.resize(static_cast<size_t>(size_));
}

MpiCollective::~MpiCollective() {
  MPI_Finalize();
}

void MpiCollective::abort_all(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

void MpiCollective::wait(MPI_Request& request, const char* what) {
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  for (long polls = 0;; ++polls) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    if ((polls & 255) != 255) continue;
    // The usual wait, the others a step's imbalance behind, is spent polling; a longer one (another process
    // is still evaluating, or writing a checkpoint) polls every 100 us, leaving the core to others.
    const double waited = seconds_since(start);
    if (waited < kSpinSeconds) continue;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (waited > timeout_seconds_) name_missing(what);
  }
}

void MpiCollective::name_missing(const char* what) {
  // Every live process ends up here within about one step of the others: each tells every other that it is
  // alive and listens for the same; whoever stays silent for the grace period is the one that hangs.
  const double grace = std::max(2.0, timeout_seconds_ / 2);
  const int token = rank_;
  std::vector<int> heard(static_cast<size_t>(size_), -1);
  std::vector<MPI_Request> sends, receives(static_cast<size_t>(size_), MPI_REQUEST_NULL);
  for (int r = 0; r < size_; ++r) {
    if (r == rank_) continue;
    sends.emplace_back();
    MPI_Isend(&token, 1, MPI_INT, r, kAliveTag, MPI_COMM_WORLD, &sends.back());
    MPI_Irecv(&heard[static_cast<size_t>(r)], 1, MPI_INT, r, kAliveTag, MPI_COMM_WORLD,
              &receives[static_cast<size_t>(r)]);
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<int> silent;
  while (true) {
    silent.clear();
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      int done = 0;
      MPI_Test(&receives[static_cast<size_t>(r)], &done, MPI_STATUS_IGNORE);
      if (!done) silent.push_back(r);
    }
    if (silent.empty() || seconds_since(start) > grace) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string names;
  for (int r : silent) names += (names.empty() ? "" : ", ") + std::to_string(r);
  std::string message = "rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": ";
  if (silent.empty())
    message += "the processes stopped agreeing during " + std::string(what) + " at " + position() +
               " (every one answers, but the operation did not complete)";
  else
    message += std::string(silent.size() == 1 ? "rank " : "ranks ") + names + " stopped answering during " +
               what + " at " + position() + " (nothing for " +
               std::to_string(static_cast<int>(timeout_seconds_)) +
               " s, --rank-timeout); every process stops, the checkpoints already written stay as they are";
  // The lowest live process prints the message; the others stop quietly.
  int lowest_live = rank_;
  for (int r = 0; r < rank_; ++r)
    if (std::find(silent.begin(), silent.end(), r) == silent.end()) lowest_live = std::min(lowest_live, r);
  throw RankLost(message, lowest_live == rank_);
}

void MpiCollective::sum(Real* values, size_t count) {
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, values, message_count(count, "the gradient sum"), real_type(), MPI_SUM,
                 MPI_COMM_WORLD, &request);
  wait(request, "the gradient sum");
}

void MpiCollective::sum_doubles(double* values, size_t count) {
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, values, message_count(count, "the sum of losses and metrics"), MPI_DOUBLE,
                 MPI_SUM, MPI_COMM_WORLD, &request);
  wait(request, "the sum of losses and metrics");
}

size_t MpiCollective::exchange_counts(size_t values, const char* what) {
  // The lengths travel as 64-bit numbers, so that every process sees a total too large for MPI's int counts
  // and they all stop together.
  const auto mine = static_cast<int64_t>(values);
  MPI_Request request;
  MPI_Iallgather(&mine, 1, MPI_INT64_T, lengths_.data(), 1, MPI_INT64_T, MPI_COMM_WORLD, &request);
  wait(request, what);
  size_t total = 0;
  for (int64_t length : lengths_) total += static_cast<size_t>(length);
  message_count(total, what);
  for (size_t r = 0, at = 0; r < lengths_.size(); at += static_cast<size_t>(lengths_[r++])) {
    counts_[r] = static_cast<int>(lengths_[r]);
    offsets_[r] = static_cast<int>(at);
  }
  return total;
}

void MpiCollective::gather(const std::vector<int64_t>& mine, std::vector<int64_t>& all) {
  all.resize(exchange_counts(mine.size(), "the exchange of touched rows"));
  MPI_Request request;
  MPI_Iallgatherv(mine.data(), static_cast<int>(mine.size()), MPI_INT64_T, all.data(), counts_.data(),
                  offsets_.data(), MPI_INT64_T, MPI_COMM_WORLD, &request);
  wait(request, "the exchange of touched rows");
}

void MpiCollective::gather_equal(const std::vector<int64_t>& mine, std::vector<int64_t>& all) {
  const int count = message_count(mine.size() * static_cast<size_t>(size_), "the exchange of touched rows");
  all.resize(static_cast<size_t>(count));
  MPI_Request request;
  MPI_Iallgather(mine.data(), count / size_, MPI_INT64_T, all.data(), count / size_, MPI_INT64_T,
                 MPI_COMM_WORLD, &request);
  wait(request, "the exchange of touched rows");
}

void MpiCollective::gather_reals(const std::vector<Real>& mine, std::vector<Real>& all) {
  all.resize(exchange_counts(mine.size(), "the exchange of predictions"));
  MPI_Request request;
  MPI_Iallgatherv(mine.data(), static_cast<int>(mine.size()), real_type(), all.data(), counts_.data(),
                  offsets_.data(), real_type(), MPI_COMM_WORLD, &request);
  wait(request, "the exchange of predictions");
}

namespace {

// Where each process's part starts in a buffer of parts of `counts` values, in rank order.
void offsets_of(const std::vector<int>& counts, std::vector<int>& offsets) {
  offsets.resize(counts.size());
  int at = 0;
  for (size_t r = 0; r < counts.size(); ++r) {
    offsets[r] = at;
    at += counts[r];
  }
}

}  // namespace

void MpiCollective::exchange(const std::vector<int>& send_counts, const int64_t* send,
                             std::vector<int>& received_counts, std::vector<int64_t>& received) {
  received_counts.resize(static_cast<size_t>(size_));
  MPI_Request request;
  MPI_Ialltoall(send_counts.data(), 1, MPI_INT, received_counts.data(), 1, MPI_INT, MPI_COMM_WORLD, &request);
  wait(request, "the exchange of a sharded table's ids");
  offsets_of(send_counts, send_offsets_);
  offsets_of(received_counts, offsets_);
  received.resize(static_cast<size_t>(offsets_.back() + received_counts.back()));
  MPI_Ialltoallv(send, send_counts.data(), send_offsets_.data(), MPI_INT64_T, received.data(),
                 received_counts.data(), offsets_.data(), MPI_INT64_T, MPI_COMM_WORLD, &request);
  wait(request, "the exchange of a sharded table's ids");
}

void MpiCollective::exchange_reals(const std::vector<int>& send_counts, const Real* send,
                                   const std::vector<int>& received_counts, Real* received) {
  offsets_of(send_counts, send_offsets_);
  offsets_of(received_counts, offsets_);
  MPI_Request request;
  MPI_Ialltoallv(send, send_counts.data(), send_offsets_.data(), real_type(), received,
                 received_counts.data(), offsets_.data(), real_type(), MPI_COMM_WORLD, &request);
  wait(request, "the exchange of a sharded table's rows");
}

}  // namespace yamlnet
