#pragma once
// Failure injection for the tests that show a dying run loses nothing. The environment variable
// YAMLNET_FAULT holds comma-separated settings:
//   kill_after_epoch=K   the process kills itself (SIGKILL) right after epoch K's checkpoint is written;
//   kill_in_write=TEXT   it kills itself halfway through writing any file whose path contains TEXT;
//   kill_sweep_after=N   `sweep` kills itself (its running trials go on) once N of its trials ended;
//   rank_dies_at=R:S     process R of an mpirun launch kills itself at its S-th training step (1-based,
//                        counted across epochs);
//   rank_hangs_at=R:S    process R stops answering there instead: it sleeps for ever.
// Unset (always, outside tests), nothing happens.
#include <optional>
#include <string>

namespace yamlnet {

std::optional<std::string> fault_setting(const std::string& key);
// SIGKILL now, as a machine failure would: nothing is flushed, no destructor runs.
[[noreturn]] void die_by_injected_fault();

// rank_dies_at / rank_hangs_at, when set for process `rank`.
struct RankFault {
  long step = 0;
  bool hangs = false;  // else it dies
};
std::optional<RankFault> rank_fault(int rank);
// Sleeps until killed, as a process stuck in a system call or on a lost machine would.
[[noreturn]] void hang_by_injected_fault();

}  // namespace yamlnet
