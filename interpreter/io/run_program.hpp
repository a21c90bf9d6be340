#pragma once
// Runs an external program (Graphviz's dot) with an argument vector through posix_spawnp: no shell ever sees
// a file name, so quotes, spaces and `;` in names are just characters.
#include <string>
#include <utility>
#include <vector>

namespace yamlnet {

// Whether `program` is an executable file in a folder of PATH (or at that path when it has a slash).
bool program_on_path(const std::string& program);

// Runs argv[0] (looked up in PATH) with argv, waits for it and returns its exit status (128 + signal when a
// signal ended it). Throws Error when it cannot be started.
int run_program(const std::vector<std::string>& argv);

// Starts argv[0] without waiting, its stdout and stderr appended to `log_path`; returns its pid.
long start_program(const std::vector<std::string>& argv, const std::string& log_path);
// Waits for any child started here to end; returns its pid and exit status (as run_program's).
std::pair<long, int> wait_any_program();

}  // namespace yamlnet
