// The `yamlnet` command line: the only place that prints or exits. Each verb adds itself from the table in
// verb.cpp; main parses, lets the chosen verb's callback run, and turns errors into exit codes.
#include <cstdio>
#include <string>

#include "interpreter/cli/processes.hpp"
#include "interpreter/cli/verb.hpp"
#include "interpreter/core/errors.hpp"

namespace {

// An error on one process of an mpirun launch stops them all (the others may be waiting for this one); only a
// process named by a RankLost stays quiet when another reports it.
int fail(int exit_code, const std::string& message, bool print = true) {
  using namespace yamlnet::cli;
  if (print) {
    const yamlnet::Collective& all = processes();
    const std::string who =
        all.size() > 1 && !all.leader() ? "rank " + std::to_string(all.rank()) + ": " : "";
    std::fprintf(stderr, "%s%s\n", who.c_str(), message.c_str());
  }
  std::fflush(stderr);
  if (exit_code != yamlnet::cli::kExitSuccess) stop_other_processes(exit_code);
  finish_processes();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace yamlnet;
  using namespace yamlnet::cli;
  CLI::App app{"yamlnet: Keras-style neural networks declared in YAML"};
  app.require_subcommand(1);
  VerbOutcome outcome;
  for (const VerbEntry& verb : verb_registry()) verb.add(app, outcome);
  try {
    start_processes(argc, argv);
    refuse_unsplit_verb(argc, argv);
    app.parse(argc, argv);
    finish_processes();
    return outcome.exit_code;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return fail(code == 0 ? kExitSuccess : kExitUsage, "", false);
  } catch (const UsageError& e) {
    return fail(kExitUsage, std::string("yamlnet: ") + e.what());
  } catch (const RankLost& e) {
    return fail(outcome.error_exit_code, e.what(), e.reports());
  } catch (const Error& e) {
    return fail(outcome.error_exit_code, e.what());
  } catch (const std::exception& e) {
    // Only a bug reaches this: every problem a user can cause is a yamlnet::Error (the fuzz oracle fails
    // here).
    return fail(kExitUserError, std::string("yamlnet: internal error: ") + e.what());
  }
}
