// `yamlnet report`: chosen runs as one self-contained HTML page (interpreter/report/html_report.hpp).
#include <algorithm>
#include <cstdio>
#include <memory>

#include "interpreter/cli/verb.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/report/html_report.hpp"

namespace yamlnet::cli {

namespace {

struct ReportArgs {
  std::vector<std::string> ids;
  std::string sweep, output, title;
  int last = 0;
  RegistryChoice registry;
};

std::vector<RunRecord> chosen_runs(const ReportArgs& args, RunRegistry& registry) {
  const int ways = !args.ids.empty() + !args.sweep.empty() + (args.last > 0);
  if (ways > 1) throw UsageError("report: choose runs one way: run ids, --sweep or --last");
  std::vector<RunRecord> runs;
  if (!args.ids.empty()) {
    for (const auto& id : args.ids) runs.push_back(registry.run(id));
  } else if (!args.sweep.empty()) {
    const std::string id = args.sweep == "last" ? registry.last_sweep_id() : registry.sweep(args.sweep).id;
    if (id.empty()) throw UsageError("report: the registry has no sweep");
    runs = registry.runs(RunFilter{"", "", id, ""});
    std::stable_sort(runs.begin(), runs.end(),
                     [](const RunRecord& a, const RunRecord& b) { return a.trial < b.trial; });
  } else {
    runs = registry.runs();
    const size_t last = args.last > 0 ? static_cast<size_t>(args.last) : 10;
    if (runs.size() > last) runs.resize(last);
  }
  if (runs.empty()) throw UsageError("report: no runs to report in " + registry.path());
  return runs;
}

}  // namespace

void add_report(CLI::App& app, VerbOutcome&) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "one self-contained HTML page of runs: curves, config differences, metrics, graphs, weight changes");
  cmd->add_option("ids", args->ids, "run ids (or unique prefixes)");
  cmd->add_option("--sweep", args->sweep, "the trials of this sweep ('last' for the newest)");
  cmd->add_option("--last", args->last, "the newest N runs (the default: 10)")->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", args->output, "HTML file to write")->required();
  cmd->add_option("--title", args->title, "page title");
  add_registry_options(cmd, args->registry);
  cmd->callback([args] {
    if (args->registry.off) throw UsageError("report: --no-registry leaves nothing to read");
    RunRegistry registry(registry_path(args->registry.path));
    const auto runs = chosen_runs(*args, registry);
    ReportOptions options;
    options.source = registry.path();
    if (!args->title.empty())
      options.title = args->title;
    else if (!args->sweep.empty())
      options.title = "yamlnet sweep " + runs.front().sweep_id;
    write_file_atomically(args->output, html_report(runs, options));
    std::printf("Wrote %s (%zu runs)\n", args->output.c_str(), runs.size());
  });
}

}  // namespace yamlnet::cli
