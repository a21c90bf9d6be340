// The verbs that look at a config without data: summary, validate and graph.
#include <cstdio>
#include <memory>

#include "interpreter/app/session.hpp"
#include "interpreter/cli/verb.hpp"
#include "interpreter/graph/graph_dot.hpp"
#include "interpreter/graph/summary.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/run_program.hpp"

namespace yamlnet::cli {

void add_summary(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ConfigArgs>();
  CLI::App* cmd =
      app.add_subcommand("summary", "print the layer table (Keras's model.summary()) and arguments");
  add_config_args(cmd, *args);
  cmd->callback([args] {
    const Graph model = validate_model(args->load());
    std::printf("%s\nArguments (defaults filled in):\n%s", model_summary(model).c_str(),
                config_echo(model).c_str());
  });
}

void add_validate(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ConfigArgs>();
  CLI::App* cmd = app.add_subcommand("validate", "check a config: syntax, arguments, graph and shapes");
  add_config_args(cmd, *args);
  cmd->callback([args] {
    const Graph model = validate_model(args->load());
    std::printf("%s: OK (%zu layers, %s parameters)\n", args->config.c_str(), model.nodes().size(),
                thousands(model.count_params(true) + model.count_params(false)).c_str());
  });
}

namespace {

struct GraphArgs {
  ConfigArgs config;
  std::string format = "dot", output;
};

// SVG and PNG come from Graphviz's dot, run with an argument vector (never through a shell, so any file name
// is safe), from a DOT file written beside the output.
void render_with_dot(const std::string& dot, const std::string& format, const std::string& out) {
  if (out.empty()) throw UsageError("graph --format " + format + " needs -o FILE");
  if (!program_on_path("dot"))
    throw UsageError(
        "rendering " + format +
        " needs Graphviz's dot, which is not installed: apt-get install graphviz (or write DOT with "
        "--format dot and render it elsewhere)");
  const std::string dot_path = out + ".dot";
  write_file_atomically(dot_path, dot);
  int status = 0;
  try {
    status = run_program({"dot", "-T" + format, dot_path, "-o", out});
  } catch (...) {
    std::remove(dot_path.c_str());
    throw;
  }
  std::remove(dot_path.c_str());
  if (status != 0)
    throw Error("dot failed to render " + out + " (exit status " + std::to_string(status) + ")");
  std::printf("Wrote %s\n", out.c_str());
}

}  // namespace

void add_graph(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<GraphArgs>();
  CLI::App* cmd =
      app.add_subcommand("graph", "the layer graph with shapes as Graphviz DOT (or SVG/PNG via dot)");
  add_config_args(cmd, args->config);
  cmd->add_option("--format", args->format, "dot, svg or png")
      ->check(CLI::IsMember({"dot", "svg", "png"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "file to write (default: DOT on stdout)");
  cmd->callback([args] {
    const std::string dot = graph_dot(validate_model(args->config.load()));
    if (args->format != "dot") return render_with_dot(dot, args->format, args->output);
    if (args->output.empty())
      std::printf("%s", dot.c_str());
    else
      write_file_atomically(args->output, dot);
  });
}

}  // namespace yamlnet::cli
