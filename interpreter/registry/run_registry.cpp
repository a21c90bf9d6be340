#include "interpreter/registry/run_registry.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace yamlnet {

namespace {

// 'ynet': tells our registry from another program's SQLite file.
constexpr std::int64_t kApplicationId = 0x796E6574;

// Migrations from schema version i to i + 1, in order; a database at version v gets the ones from v on.
const std::vector<const char*> kMigrations{
    // 0 -> 1
    "CREATE TABLE runs ("
    "  id TEXT PRIMARY KEY, verb TEXT NOT NULL, config_name TEXT NOT NULL, config_path TEXT NOT NULL,"
    "  config_yaml TEXT NOT NULL, config_hash TEXT NOT NULL, overrides TEXT NOT NULL,"
    "  started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL, error TEXT,"
    "  final_metrics TEXT NOT NULL DEFAULT '{}', test_metrics TEXT NOT NULL DEFAULT '{}',"
    "  weights_path TEXT, weights_sha256 TEXT, version TEXT NOT NULL, host TEXT NOT NULL,"
    "  pid INTEGER NOT NULL, pid_start INTEGER NOT NULL, threads INTEGER NOT NULL,"
    "  wall_seconds REAL, sweep_id TEXT, trial INTEGER);"
    "CREATE INDEX runs_by_config ON runs(config_name, started_at);"
    "CREATE INDEX runs_by_sweep ON runs(sweep_id, trial);"
    "CREATE TABLE epochs (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  epoch INTEGER NOT NULL, logs TEXT NOT NULL, PRIMARY KEY (run_id, epoch));"
    "CREATE TABLE sweeps (id TEXT PRIMARY KEY, config_path TEXT NOT NULL, config_name TEXT NOT NULL,"
    "  created_at TEXT NOT NULL, plan TEXT NOT NULL, trials TEXT NOT NULL);",
};

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

nlohmann::ordered_json parse_column(const std::string& text) {
  return nlohmann::ordered_json::parse(text, nullptr, false);
}

const char* const kRunColumns =
    "id, verb, config_name, config_path, config_yaml, config_hash, overrides, started_at, ended_at, status,"
    " error, final_metrics, test_metrics, weights_path, weights_sha256, version, host, pid, pid_start, "
    "threads,"
    " wall_seconds, sweep_id, trial";

RunRecord read_run(const SqliteStatement& row) {
  RunRecord r;
  r.id = row.text(0);
  r.verb = row.text(1);
  r.config_name = row.text(2);
  r.config_path = row.text(3);
  r.config_yaml = row.text(4);
  r.config_hash = row.text(5);
  const auto overrides = parse_column(row.text(6));
  if (overrides.is_array())
    for (const auto& o : overrides)
      if (o.is_string()) r.overrides.push_back(o.get<std::string>());
  r.started_at = row.text(7);
  r.ended_at = row.text(8);
  r.status = row.text(9);
  r.error = row.text(10);
  r.final_metrics = parse_column(row.text(11));
  r.test_metrics = parse_column(row.text(12));
  if (!r.final_metrics.is_object()) r.final_metrics = nlohmann::ordered_json::object();
  if (!r.test_metrics.is_object()) r.test_metrics = nlohmann::ordered_json::object();
  r.weights_path = row.text(13);
  r.weights_sha256 = row.text(14);
  r.version = row.text(15);
  r.host = row.text(16);
  r.pid = row.integer(17);
  r.pid_start = row.integer(18);
  r.threads = static_cast<int>(row.integer(19));
  r.wall_seconds = row.real(20);
  r.sweep_id = row.text(21);
  r.trial = row.is_null(22) ? -1 : static_cast<int>(row.integer(22));
  return r;
}

std::optional<double> number_in(const nlohmann::ordered_json& logs, const std::string& name) {
  const auto it = logs.find(name);
  if (it == logs.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

std::optional<double> RunRecord::metric(const std::string& name) const {
  if (auto v = number_in(final_metrics, name)) return v;
  return number_in(test_metrics, name);
}

nlohmann::ordered_json RunRecord::to_json(bool with_config) const {
  nlohmann::ordered_json j;
  j["id"] = id;
  j["verb"] = verb;
  j["config_name"] = config_name;
  j["config_path"] = config_path;
  j["config_hash"] = config_hash;
  if (with_config) j["config_yaml"] = config_yaml;
  j["overrides"] = overrides;
  j["status"] = status;
  if (!error.empty()) j["error"] = error;
  j["started_at"] = started_at;
  j["ended_at"] = ended_at.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(ended_at);
  j["wall_seconds"] = wall_seconds;
  j["history"] = history;
  j["final_metrics"] = final_metrics;
  j["test_metrics"] = test_metrics;
  j["weights_path"] = weights_path;
  j["weights_sha256"] = weights_sha256;
  j["version"] = version;
  j["host"] = host;
  j["pid"] = pid;
  j["threads"] = threads;
  if (!sweep_id.empty()) {
    j["sweep_id"] = sweep_id;
    j["trial"] = trial;
  }
  return j;
}

struct RunRegistry::State {
  explicit State(const std::string& path) : db(path, true, 30000) {}
  SqliteDb db;
};

RunRegistry::RunRegistry(const std::string& path) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  state_ = std::make_unique<State>(path);
  // Processes opening a new registry at once can find it locked in ways SQLite does not wait out (the switch
  // to WAL needs the file to itself): the whole setup is tried again for up to about 10 s.
  for (int attempt = 0;; ++attempt) {
    try {
      set_up(path);
      return;
    } catch (const RegistryBusy&) {
      if (attempt >= 200) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void RunRegistry::set_up(const std::string& path) {
  SqliteDb& db = state_->db;
  {
    // Looked at and migrated under the write lock, as one transaction: several processes may open a new
    // registry at once, and one must not see another's tables before its application_id (a "foreign" file).
    // A file that is not SQLite fails here, at its first read.
    SqliteTransaction t(db);
    std::int64_t app_id = 0, version = 0, tables = 0;
    {
      SqliteStatement q(db, "PRAGMA application_id");
      if (q.step()) app_id = q.integer(0);
    }
    {
      SqliteStatement q(db, "PRAGMA user_version");
      if (q.step()) version = q.integer(0);
    }
    {
      SqliteStatement q(db, "SELECT count(*) FROM sqlite_master");
      if (q.step()) tables = q.integer(0);
    }
    if (app_id != kApplicationId && (app_id != 0 || tables != 0))
      throw RegistryError(path, "this SQLite database belongs to another program (application_id " +
                                    std::to_string(app_id) + "); use --registry to record runs elsewhere");
    if (version > kSchemaVersion)
      throw RegistryError(path, "made by a newer yamlnet (schema " + std::to_string(version) +
                                    ", this one reads " + std::to_string(kSchemaVersion) + " and older)");
    for (auto v = version; v < kSchemaVersion; ++v) db.exec(kMigrations[static_cast<size_t>(v)]);
    if (version < kSchemaVersion) {
      db.exec("PRAGMA application_id=" + std::to_string(kApplicationId));
      db.exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
    }
    t.commit();
  }
  // Outside any transaction (SQLite's rule); a no-op once the file is in WAL mode.
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA foreign_keys=ON");
}

RunRegistry::~RunRegistry() = default;

const std::string& RunRegistry::path() const {
  return state_->db.path();
}

std::string RunRegistry::begin_run(RunRecord run) {
  SqliteDb& db = state_->db;
  run.started_at = utc_now();
  run.pid = getpid();
  run.pid_start = process_start_time(run.pid);
  run.host = host_name();
  run.version = YAMLNET_VERSION;
  nlohmann::ordered_json overrides = run.overrides;
  for (int attempt = 0;; ++attempt) {
    if (run.id.empty() || attempt > 0) run.id = new_run_id();
    try {
      SqliteStatement q(
          db, std::string("INSERT INTO runs (") + kRunColumns +
                  ") VALUES (?,?,?,?,?,?,?,?,NULL,'running',NULL,'{}','{}',?,NULL,?,?,?,?,?,NULL,?,?)");
      q.bind(1, run.id).bind(2, run.verb).bind(3, run.config_name).bind(4, run.config_path);
      q.bind(5, run.config_yaml)
          .bind(6, run.config_hash)
          .bind(7, json_text(overrides))
          .bind(8, run.started_at);
      q.bind(9, run.weights_path).bind(10, run.version).bind(11, run.host).bind(12, run.pid);
      q.bind(13, run.pid_start).bind(14, static_cast<std::int64_t>(run.threads));
      q.bind(15, run.sweep_id.empty() ? std::optional<std::string>() : run.sweep_id);
      if (run.trial >= 0)
        q.bind(16, static_cast<std::int64_t>(run.trial));
      else
        q.bind_null(16);
      q.run();
      return run.id;
    } catch (const RegistryError&) {
      if (attempt >= 5) throw;  // the same id five times is not a collision
    }
  }
}

void RunRegistry::add_epoch(const std::string& id, const nlohmann::ordered_json& epoch_logs) {
  SqliteStatement q(state_->db, "INSERT OR REPLACE INTO epochs (run_id, epoch, logs) VALUES (?,?,?)");
  q.bind(1, id).bind(2, epoch_logs.value("epoch", std::int64_t{0})).bind(3, json_text(epoch_logs)).run();
}

void RunRegistry::finish_run(const RunRecord& run) {
  SqliteStatement q(state_->db,
                    "UPDATE runs SET ended_at=?, status=?, error=?, final_metrics=?, test_metrics=?,"
                    " weights_path=?, weights_sha256=?, threads=?, wall_seconds=? WHERE id=?");
  q.bind(1, utc_now()).bind(2, run.error.empty() ? std::string("finished") : std::string("failed"));
  q.bind(3, run.error.empty() ? std::optional<std::string>() : run.error);
  q.bind(4, json_text(run.final_metrics)).bind(5, json_text(run.test_metrics));
  q.bind(6, run.weights_path.empty() ? std::optional<std::string>() : run.weights_path);
  q.bind(7, run.weights_sha256.empty() ? std::optional<std::string>() : run.weights_sha256);
  q.bind(8, static_cast<std::int64_t>(run.threads)).bind(9, run.wall_seconds).bind(10, run.id).run();
}

void RunRegistry::mark_killed_runs() {
  SqliteDb& db = state_->db;
  std::vector<std::string> gone;
  {
    SqliteStatement q(db, "SELECT id, pid, pid_start FROM runs WHERE status='running' AND host=?");
    q.bind(1, host_name());
    while (q.step()) {
      const std::int64_t pid = q.integer(1), start = q.integer(2);
      // Gone, or its pid now belongs to a process started at another time.
      if (process_start_time(pid) != start || start == 0) gone.push_back(q.text(0));
    }
  }
  for (const auto& id : gone) {
    SqliteStatement u(db, "UPDATE runs SET status='killed', ended_at=? WHERE id=? AND status='running'");
    u.bind(1, utc_now()).bind(2, id).run();
  }
}

std::vector<RunRecord> RunRegistry::runs(const RunFilter& filter) {
  mark_killed_runs();
  SqliteDb& db = state_->db;
  SqliteStatement q(db, std::string("SELECT ") + kRunColumns +
                            " FROM runs WHERE (?1 = '' OR config_name = ?1) AND (?2 = '' OR status = ?2)"
                            " AND (?3 = '' OR sweep_id = ?3) AND (?4 = '' OR started_at >= ?4)"
                            " ORDER BY started_at DESC, rowid DESC");
  q.bind(1, filter.config_name).bind(2, filter.status).bind(3, filter.sweep_id).bind(4, filter.since);
  std::vector<RunRecord> out;
  while (q.step()) out.push_back(read_run(q));
  for (auto& r : out) {
    SqliteStatement e(db, "SELECT logs FROM epochs WHERE run_id=? ORDER BY epoch");
    e.bind(1, r.id);
    while (e.step()) r.history.push_back(parse_column(e.text(0)));
  }
  return out;
}

RunRecord RunRegistry::run(const std::string& id_or_prefix) {
  mark_killed_runs();
  SqliteDb& db = state_->db;
  std::vector<std::string> ids;
  {
    // Prefix match without LIKE's wildcards: substr compares the text as given.
    SqliteStatement q(db, "SELECT id FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id");
    q.bind(1, id_or_prefix);
    while (q.step()) ids.push_back(q.text(0));
  }
  if (id_or_prefix.empty() || ids.empty())
    throw RegistryError(db.path(), "no run '" + id_or_prefix + "' (yamlnet runs lists them)");
  if (ids.size() > 1 && ids.front() != id_or_prefix)
    throw RegistryError(db.path(), "'" + id_or_prefix + "' names " + std::to_string(ids.size()) + " runs (" +
                                       ids[0] + ", " + ids[1] + (ids.size() > 2 ? ", ..." : "") +
                                       "); give more of the id");
  SqliteStatement q(db, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id=?");
  q.bind(1, ids.front());
  q.step();
  RunRecord r = read_run(q);
  SqliteStatement e(db, "SELECT logs FROM epochs WHERE run_id=? ORDER BY epoch");
  e.bind(1, r.id);
  while (e.step()) r.history.push_back(parse_column(e.text(0)));
  return r;
}

int RunRegistry::remove(const std::vector<std::string>& ids) {
  SqliteDb& db = state_->db;
  std::vector<std::string> full;
  for (const auto& id : ids) full.push_back(run(id).id);  // every id resolves before anything is removed
  SqliteTransaction t(db);
  for (const auto& id : full) SqliteStatement(db, "DELETE FROM runs WHERE id=?").bind(1, id).run();
  t.commit();
  return static_cast<int>(full.size());
}

void RunRegistry::add_sweep(const SweepRecord& sweep) {
  nlohmann::ordered_json trials = sweep.trials;
  SqliteStatement q(
      state_->db,
      "INSERT INTO sweeps (id, config_path, config_name, created_at, plan, trials) VALUES (?,?,?,?,?,?)");
  q.bind(1, sweep.id).bind(2, sweep.config_path).bind(3, sweep.config_name).bind(4, sweep.created_at);
  q.bind(5, json_text(sweep.plan)).bind(6, json_text(trials)).run();
}

SweepRecord RunRegistry::sweep(const std::string& id) {
  SqliteStatement q(state_->db,
                    "SELECT id, config_path, config_name, created_at, plan, trials FROM sweeps WHERE id=?");
  q.bind(1, id);
  if (!q.step()) throw RegistryError(path(), "no sweep '" + id + "'");
  SweepRecord s{q.text(0), q.text(1), q.text(2), q.text(3), parse_column(q.text(4)), {}};
  const auto trials = parse_column(q.text(5));
  if (!trials.is_array() || !s.plan.is_object())
    throw RegistryError(path(), "sweep '" + id + "' is damaged (its plan is not JSON)");
  for (const auto& t : trials) {
    s.trials.emplace_back();
    for (const auto& o : t)
      if (o.is_string()) s.trials.back().push_back(o.get<std::string>());
  }
  return s;
}

std::string RunRegistry::last_sweep_id() {
  SqliteStatement q(state_->db, "SELECT id FROM sweeps ORDER BY created_at DESC, id DESC LIMIT 1");
  return q.step() ? q.text(0) : "";
}

std::string json_text(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string registry_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("YAMLNET_REGISTRY"); env && *env) return env;
  return "runs/yamlnet.sqlite";
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string new_run_id() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  // Ids are names, not part of any computation: a non-deterministic source keeps two runs started in the
  // same second apart.
  std::random_device device;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(device() & 0xffffu));
  return std::string(stamp) + "-" + suffix;
}

std::int64_t process_start_time(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return 0;
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i)
    if (i == 22) return std::strtoll(field.c_str(), nullptr, 10);
  return 0;
}

}  // namespace yamlnet
