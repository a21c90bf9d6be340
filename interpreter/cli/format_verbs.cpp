// The verbs that print the config format itself: its JSON Schema and its reference.
#include <cstdio>

#include "interpreter/cli/verb.hpp"
#include "interpreter/docs/json_schema.hpp"
#include "interpreter/docs/reference.hpp"

namespace yamlnet::cli {

void add_schema(CLI::App& app, VerbOutcome&) {
  app.add_subcommand(
         "schema",
         "print the config format as a JSON Schema (schemas/model.schema.json), for editors and validators")
      ->callback([] { std::printf("%s\n", config_json_schema().dump(2).c_str()); });
}

void add_reference(CLI::App& app, VerbOutcome&) {
  app.add_subcommand("reference", "print the config reference (docs/config.md) from the argument tables")
      ->callback([] { std::printf("%s", config_reference_markdown().c_str()); });
}

}  // namespace yamlnet::cli
