#pragma once
// The processes of this launch: one, or the several that `mpirun -np N` started (a build with
// -DYAMLNET_MPI=ON). Set up by main before the verbs run, finished by it after.
#include "interpreter/core/collective.hpp"
#include "interpreter/registry/run_recorder.hpp"

namespace yamlnet::cli {

// Starts MPI when mpirun launched more than one process; throws UsageError when it did and this build has no
// MPI (each process would otherwise train alone and write the same files).
void start_processes(int& argc, char**& argv);
Collective& processes();
// Under mpirun with several processes, only train and evaluate split their work; any other verb would run
// once per process (each writing the same files): UsageError.
void refuse_unsplit_verb(int argc, char** argv);
// How long an operation waits for the other processes before naming the ones that stopped answering: by
// default long enough for the first process to write a checkpoint of a large model while the others wait,
// short enough to name a hung one within a minute.
constexpr double kDefaultRankTimeout = 30;
void set_rank_timeout(double seconds);
// `choice`, switched off on every process but the first: a launch is recorded once.
RegistryChoice recorded_by_first_process(RegistryChoice choice);
// After an error on this process of a launch of several: stops all of them (the others may be waiting for
// it). Returns when there is only this one.
void stop_other_processes(int exit_code);
void finish_processes();

}  // namespace yamlnet::cli
