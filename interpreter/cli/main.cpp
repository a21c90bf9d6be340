// The `yamlnet` command line: the only place that prints or exits. Each verb adds itself from the table in
// verb.cpp; main parses, lets the chosen verb's callback run, and turns errors into exit codes.
#include <cstdio>

#include "interpreter/cli/verb.hpp"
#include "interpreter/core/errors.hpp"

int main(int argc, char** argv) {
  using namespace yamlnet;
  using namespace yamlnet::cli;
  CLI::App app{"yamlnet: Keras-style neural networks declared in YAML"};
  app.require_subcommand(1);
  VerbOutcome outcome;
  for (const VerbEntry& verb : verb_registry()) verb.add(app, outcome);
  try {
    app.parse(argc, argv);
    return outcome.exit_code;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitSuccess : kExitUsage;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "yamlnet: %s\n", e.what());
    return kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return outcome.error_exit_code;
  } catch (const std::exception& e) {
    // Only a bug reaches this: every problem a user can cause is a yamlnet::Error (the fuzz oracle fails
    // here).
    std::fprintf(stderr, "yamlnet: internal error: %s\n", e.what());
    return kExitUserError;
  }
}
