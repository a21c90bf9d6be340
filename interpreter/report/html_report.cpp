#include "interpreter/report/html_report.hpp"

#include <map>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/app/session.hpp"
#include "interpreter/graph/graph.hpp"
#include "interpreter/registry/run_compare.hpp"
#include "interpreter/report/report_parts.hpp"
#include "interpreter/train/callbacks.hpp"

namespace yamlnet {

namespace {

// Counts script errors before anything else runs, so that a failure of the page's own script shows in the
// DOM (data-errors) for a headless browser to read.
const char* const kErrorWatch =
    "<script>(function(){var n=0,root=document.documentElement;root.dataset.errors='0';"
    "function count(){n++;root.dataset.errors=String(n);}window.addEventListener('error',count);"
    "var ce=console.error;console.error=function(){count();ce.apply(console,arguments);};})();</script>";

// Hovering a run (a table row, a legend entry or a curve) dims every other run's curves; clicking a column
// header sorts the table by it. data-rendered and data-render-ms tell a test the script ran, and when.
const char* const kPageScript =
    "<script>(function(){"
    "function focus(id){document.querySelectorAll('svg.curve .run').forEach(function(e){"
    "e.classList.toggle('dim',id!==null&&e.dataset.run!==id);});}"
    "document.querySelectorAll('[data-run]').forEach(function(e){"
    "e.addEventListener('mouseenter',function(){focus(e.dataset.run);});"
    "e.addEventListener('mouseleave',function(){focus(null);});});"
    "document.querySelectorAll('table.sortable').forEach(function(t){"
    "t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){"
    "var rows=Array.prototype.slice.call(t.tBodies[0].rows),up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';"
    "rows.sort(function(a,b){var x=a.cells[i].dataset.v||a.cells[i].textContent,y=b.cells[i].dataset.v||"
    "b.cells[i].textContent,p=parseFloat(x),q=parseFloat(y);"
    "var c=(isNaN(p)||isNaN(q))?x.localeCompare(y):p-q;return up?c:-c;});"
    "rows.forEach(function(r){t.tBodies[0].appendChild(r);});});});});"
    "document.body.dataset.rendered='1';document.body.dataset.renderMs=String(Math.round(performance.now()));"
    "})();</script>";

const char* const kStyle =
    "<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}"
    "h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;font-size:12px}"
    "th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;white-space:nowrap}"
    "table.sortable th{cursor:pointer;background:#f4f4f4}td.best{font-weight:bold;background:#e8f5e9}"
    ".scroll{overflow-x:auto;max-width:100%}.swatch{display:inline-block;width:10px;height:10px;margin-right:"
    "4px}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-weight:600}"
    "svg text{font-size:10px;fill:#444}.axes line{stroke:#999}.run{stroke-width:1.5}.run.dim{opacity:.12}"
    ".graph rect{fill:#eef3fb;stroke:#5a7bb5}.graph .edges line{stroke:#888}.graph "
    "text{font-size:11px;fill:#222}"
    ".graph text.shape{fill:#666;font-size:10px}.note{color:#a33}</style>";

std::string number_cell(const std::optional<double>& v, bool best) {
  if (!v) return "<td>-</td>";
  return std::string("<td") + (best ? " class=\"best\"" : "") + " data-v=\"" + svg_number(*v) + "\">" +
         html_escape(format_metric(v)) + "</td>";
}

std::string runs_table(const std::vector<RunRecord>& runs) {
  const auto differences = config_differences(runs);
  const auto metrics = metric_names(runs);
  std::map<std::string, std::string> best;  // metric -> best run id
  for (const auto& m : metrics) {
    const auto ranked = ranked_by(runs, m);
    if (!ranked.empty()) best[m] = ranked.front().id;
  }
  std::string out =
      "<section id=\"runs\"><h2>Runs</h2><div class=\"scroll\"><table class=\"sortable runs\"><thead><tr>"
      "<th>run</th><th>config</th><th>status</th><th>started</th><th>wall s</th>";
  for (const auto& d : differences) out += "<th class=\"key\">" + html_escape(d.key) + "</th>";
  for (const auto& m : metrics) out += "<th class=\"metric\">" + html_escape(m) + "</th>";
  out += "</tr></thead><tbody>";
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& r = runs[i];
    out += "<tr class=\"run\" data-run=\"" + html_escape(r.id) +
           "\"><td><span class=\"swatch\" style=\"background:" + run_color(i) + "\"></span>" +
           html_escape(r.id) + "</td><td>" + html_escape(r.config_name) + "</td><td>" +
           html_escape(r.status) + (r.error.empty() ? "" : ": " + html_escape(r.error)) + "</td><td>" +
           html_escape(r.started_at) + "</td>" + number_cell(r.wall_seconds, false);
    for (const auto& d : differences) out += "<td>" + html_escape(d.values[i].value_or("(absent)")) + "</td>";
    for (const auto& m : metrics) out += number_cell(r.metric(m), best.count(m) && best[m] == r.id);
    out += "</tr>";
  }
  out += "</tbody></table></div>";
  if (runs.size() > 1)
    out +=
        "<p>" + std::to_string(differences.size()) + " config key" + (differences.size() == 1 ? "" : "s") +
        " differ between these runs; the best value of each metric is in bold (Keras's direction: higher for "
        "accuracies and ranking metrics, lower otherwise).</p>";
  return out + "</section>";
}

// One drawing per distinct model (runs of one config that differ only in hyperparameters share it).
std::string models_section(const std::vector<RunRecord>& runs) {
  std::string out = "<section id=\"models\"><h2>Models</h2>";
  std::map<std::string, std::vector<std::string>> users;  // drawing -> run ids
  std::vector<std::string> order;
  for (const auto& run : runs) {
    std::string drawing;
    try {
      drawing = graph_svg(validate_model(parse_model_spec(run.config_yaml, run.config_path)));
    } catch (const Error& e) {
      drawing = "<p class=\"note\">" + html_escape(run.config_name) + ": no graph (" + html_escape(e.what()) +
                ")</p>";
    }
    if (!users.count(drawing)) order.push_back(drawing);
    users[drawing].push_back(run.id);
  }
  for (const auto& drawing : order) {
    const auto& ids = users[drawing];
    out += "<div class=\"model\"><p>Runs " + html_escape(ids.front()) +
           (ids.size() > 1 ? " and " + std::to_string(ids.size() - 1) + " more" : std::string()) + ":</p>" +
           "<div class=\"scroll\">" + drawing + "</div></div>";
  }
  return out + "</section>";
}

}  // namespace

std::string html_report(const std::vector<RunRecord>& runs, const ReportOptions& options) {
  std::string out = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                    html_escape(options.title) + "</title>" + kErrorWatch + kStyle + "</head><body><h1>" +
                    html_escape(options.title) + "</h1><p>" + std::to_string(runs.size()) + " run" +
                    (runs.size() == 1 ? "" : "s") + " from " + html_escape(options.source) + ", made " +
                    html_escape(utc_now()) + ".</p>";
  out += runs_table(runs);
  out += curves_section(runs);
  out += models_section(runs);
  // The first two runs that have weights files: the reference and the one compared with it.
  std::vector<const RunRecord*> with_weights;
  for (const auto& r : runs)
    if (!r.weights_path.empty() && with_weights.size() < 2) with_weights.push_back(&r);
  if (with_weights.size() == 2) out += weights_heat_section(*with_weights[0], *with_weights[1]);
  return out + kPageScript + "</body></html>\n";
}

}  // namespace yamlnet
