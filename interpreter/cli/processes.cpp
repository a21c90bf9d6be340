#include "interpreter/cli/processes.hpp"

#include <cstdlib>
#include <memory>
#include <string>

#ifdef YAMLNET_HAVE_MPI
#include "interpreter/mpi/mpi_collective.hpp"
#endif

namespace yamlnet::cli {

namespace {

SingleProcess one_process;
#ifdef YAMLNET_HAVE_MPI
std::unique_ptr<MpiCollective> launch;
#endif

bool started_by_mpirun() {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  return size && std::atoi(size) > 1;
}

}  // namespace

void start_processes(int& argc, char**& argv) {
  if (!started_by_mpirun()) return;
#ifdef YAMLNET_HAVE_MPI
  launch = std::make_unique<MpiCollective>(argc, argv, kDefaultRankTimeout);
#else
  (void)argc;
  (void)argv;
  throw UsageError(
      "mpirun started several processes, but this yamlnet was built without MPI: build with -DYAMLNET_MPI=ON "
      "(Debian's libopenmpi-dev), or run it as one process");
#endif
}

Collective& processes() {
#ifdef YAMLNET_HAVE_MPI
  if (launch) return *launch;
#endif
  return one_process;
}

void refuse_unsplit_verb(int argc, char** argv) {
  if (processes().size() == 1) return;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    if (word == "train" || word == "evaluate") return;
    throw UsageError("'" + word +
                     "' runs as one process: under mpirun only train and evaluate split their work across "
                     "processes; run it without mpirun");
  }
}

RegistryChoice recorded_by_first_process(RegistryChoice choice) {
  choice.off = choice.off || !processes().leader();
  return choice;
}

void set_rank_timeout(double seconds) {
#ifdef YAMLNET_HAVE_MPI
  if (launch) launch->set_timeout(seconds);
#else
  (void)seconds;
#endif
}

void stop_other_processes(int exit_code) {
#ifdef YAMLNET_HAVE_MPI
  if (launch && launch->size() > 1) launch->abort_all(exit_code);
#else
  (void)exit_code;
#endif
}

void finish_processes() {
#ifdef YAMLNET_HAVE_MPI
  launch.reset();
#endif
}

}  // namespace yamlnet::cli
