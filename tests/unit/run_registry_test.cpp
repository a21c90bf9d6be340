// The run registry (SQLite): a run's record from start to end, id prefixes, killed runs, what a damaged or
// foreign database gives, concurrent writers; and the pieces sweeps and comparisons are made of.
#include "interpreter/registry/run_registry.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "interpreter/registry/run_compare.hpp"
#include "interpreter/registry/sqlite_db.hpp"
#include "interpreter/registry/sweep_plan.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

RunRecord sample_run(const std::string& config_yaml = "name: m\nfit: {epochs: 2}\n") {
  RunRecord r;
  r.verb = "train";
  r.config_name = "m";
  r.config_path = "m.yaml";
  r.config_yaml = config_yaml;
  r.config_hash = "h";
  r.overrides = {"fit.epochs=2"};
  r.threads = 1;
  return r;
}

std::int64_t pragma(SqliteDb& db, const std::string& name) {
  SqliteStatement q(db, "PRAGMA " + name);
  REQUIRE(q.step());
  return q.integer(0);
}

// Runs `work` in `n` child processes at once; returns their wait statuses. A child whose work throws exits 1.
std::vector<int> in_processes(int n, const std::function<void()>& work) {
  std::vector<pid_t> children;
  for (int p = 0; p < n; ++p) {
    const pid_t child = fork();
    if (child == 0) {
      int code = 0;
      try {
        work();
      } catch (...) {
        code = 1;
      }
      _exit(code);
    }
    children.push_back(child);
  }
  std::vector<int> statuses;
  for (pid_t c : children) {
    int status = 0;
    waitpid(c, &status, 0);
    statuses.push_back(status);
  }
  return statuses;
}

}  // namespace

TEST_CASE("registry: a run is recorded from start to end, with its epochs and metrics") {
  TempDir dir;
  const std::string path = dir.path("sub/registry.sqlite");  // the folder is created
  RunRegistry registry(path);
  const std::string id = registry.begin_run(sample_run());
  CHECK(registry.run(id).status == "running");
  CHECK(registry.run(id).pid == getpid());
  registry.add_epoch(id, {{"epoch", 1}, {"loss", 0.5}});
  registry.add_epoch(id, {{"epoch", 2}, {"loss", 0.25}});
  RunRecord end = registry.run(id);
  end.final_metrics = {{"loss", 0.25}, {"val_acc", 0.75}};
  end.test_metrics = {{"test_acc", 0.5}};
  end.weights_path = "w.json";
  end.weights_sha256 = "abc";
  registry.finish_run(end);

  const RunRecord r = registry.run(id.substr(0, id.size() - 1));  // a unique prefix names it
  CHECK(r.status == "finished");
  CHECK_FALSE(r.ended_at.empty());
  CHECK(r.overrides == std::vector<std::string>{"fit.epochs=2"});
  REQUIRE(r.history.size() == 2);
  CHECK(r.history[1]["loss"] == 0.25);
  CHECK(r.metric("val_acc") == 0.75);
  CHECK(r.metric("test_acc") == 0.5);
  CHECK_FALSE(r.metric("auc"));
  CHECK(r.weights_sha256 == "abc");
  CHECK(r.version == YAMLNET_VERSION_FOR_TESTS);

  // WAL journal and the schema version, read by a connection of its own.
  SqliteDb raw(path, false, 1000);
  CHECK(pragma(raw, "user_version") == RunRegistry::kSchemaVersion);
  SqliteStatement mode(raw, "PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.text(0) == "wal");

  RunRecord failed = registry.run(registry.begin_run(sample_run()));
  failed.error = "data: no such file";
  registry.finish_run(failed);
  CHECK(registry.run(failed.id).status == "failed");
  CHECK(registry.run(failed.id).error == "data: no such file");
  CHECK(registry.runs(RunFilter{"", "failed", "", ""}).size() == 1);
  CHECK(registry.runs(RunFilter{"other", "", "", ""}).empty());
  CHECK(registry.runs(RunFilter{"", "", "", "2999-01-01"}).empty());
  CHECK(registry.remove({failed.id}) == 1);
  CHECK(registry.runs().size() == 1);
  CHECK_THROWS_WITH_AS(registry.run("nope"), doctest::Contains("no run 'nope'"), RegistryError);
}

TEST_CASE("registry: a prefix that names several runs is an error listing them") {
  TempDir dir;
  RunRegistry registry(dir.path("r.sqlite"));
  const std::string a = registry.begin_run(sample_run()), b = registry.begin_run(sample_run());
  CHECK_THROWS_WITH_AS(registry.run(a.substr(0, 8)), doctest::Contains("names 2 runs"), RegistryError);
  CHECK(registry.run(a).id == a);
  CHECK(registry.run(b).id == b);
}

TEST_CASE("registry: a running run whose process is gone is marked killed") {
  TempDir dir;
  RunRegistry registry(dir.path("r.sqlite"));
  const pid_t child = fork();
  if (child == 0) {
    // The child records a run and dies as a killed training would: no end is ever written.
    RunRegistry own(dir.path("r.sqlite"));
    own.begin_run(sample_run());
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  const std::string alive = registry.begin_run(sample_run());  // this process's: still running
  const auto runs = registry.runs();
  REQUIRE(runs.size() == 2);
  for (const auto& r : runs) CHECK(r.status == (r.id == alive ? "running" : "killed"));
}

TEST_CASE("registry: damaged, foreign and newer databases are one clear error each") {
  TempDir dir;
  const std::string garbage = dir.write("garbage.sqlite", std::string(8192, 'x'));
  CHECK_THROWS_WITH_AS(RunRegistry{garbage}, doctest::Contains("garbage.sqlite: run registry:"),
                       RegistryError);
  CHECK_THROWS_WITH_AS(RunRegistry{garbage}, doctest::Contains("not a SQLite database"), RegistryError);
  {
    SqliteDb other(dir.path("other.sqlite"), true, 1000);
    other.exec("CREATE TABLE notes (text TEXT)");
  }
  CHECK_THROWS_WITH_AS(RunRegistry{dir.path("other.sqlite")}, doctest::Contains("belongs to another program"),
                       RegistryError);
  { RunRegistry made(dir.path("newer.sqlite")); }
  {
    SqliteDb raw(dir.path("newer.sqlite"), false, 1000);
    raw.exec("PRAGMA user_version=99");
  }
  CHECK_THROWS_WITH_AS(RunRegistry{dir.path("newer.sqlite")}, doctest::Contains("made by a newer yamlnet"),
                       RegistryError);
  // An empty file (a fresh `touch`) becomes a registry.
  const std::string empty = dir.write("empty.sqlite", "");
  RunRegistry adopted(empty);
  CHECK(adopted.runs().empty());
  // A folder where the database should be.
  std::filesystem::create_directories(dir.path("folder.sqlite"));
  CHECK_THROWS_AS(RunRegistry{dir.path("folder.sqlite")}, RegistryError);
}

TEST_CASE("registry: four processes recording at once lose no run and no epoch") {
  TempDir dir;
  const std::string path = dir.path("shared.sqlite");
  { RunRegistry create(path); }
  const auto statuses = in_processes(4, [&] {
    RunRegistry own(path);
    for (int r = 0; r < 10; ++r) {
      RunRecord run = sample_run();
      run.id = own.begin_run(run);
      for (int e = 1; e <= 3; ++e) own.add_epoch(run.id, {{"epoch", e}, {"loss", 1.0 / e}});
      own.finish_run(run);
    }
  });
  for (int status : statuses) {
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  RunRegistry registry(path);
  const auto runs = registry.runs();
  CHECK(runs.size() == 40);
  std::set<std::string> ids;
  for (const auto& r : runs) {
    ids.insert(r.id);
    CHECK(r.status == "finished");
    CHECK(r.history.size() == 3);
  }
  CHECK(ids.size() == 40);
}

TEST_CASE("registry: eight processes opening a new registry at once all record their run") {
  TempDir dir;
  const std::string path = dir.path("new.sqlite");  // created by whichever process comes first
  const auto statuses = in_processes(8, [&] {
    RunRegistry own(path);
    RunRecord run = sample_run();
    run.id = own.begin_run(run);
    own.finish_run(run);
  });
  for (int status : statuses) CHECK(WEXITSTATUS(status) == 0);
  RunRegistry registry(path);
  CHECK(registry.runs().size() == 8);
}

TEST_CASE("registry: sweeps keep their plan and trials") {
  TempDir dir;
  RunRegistry registry(dir.path("r.sqlite"));
  CHECK(registry.last_sweep_id().empty());
  SweepRecord s{"s1", "c.yaml", "c", utc_now(), {{"n", 3}}, {{"a=1"}, {"a=2", "b=[1,2]"}}};
  registry.add_sweep(s);
  const SweepRecord back = registry.sweep("s1");
  CHECK(back.trials == s.trials);
  CHECK(back.plan["n"] == 3);
  CHECK(registry.last_sweep_id() == "s1");
  CHECK_THROWS_WITH_AS(registry.sweep("s2"), doctest::Contains("no sweep 's2'"), RegistryError);
}

TEST_CASE("sweep plan: the grid's product in order, random draws seeded and in range") {
  const auto trials = plan_trials(
      {parse_grid_axis("fit.batch_size=32,64"), parse_grid_axis("layers.h.units=[8,4],16")}, {}, 5, 1);
  REQUIRE(trials.size() == 4);
  CHECK(trials[0] == std::vector<std::string>{"fit.batch_size=32", "layers.h.units=[8,4]"});
  CHECK(trials[1] == std::vector<std::string>{"fit.batch_size=32", "layers.h.units=16"});
  CHECK(trials[3] == std::vector<std::string>{"fit.batch_size=64", "layers.h.units=16"});

  const std::vector<RandomAxis> random{
      parse_random_axis("u=int(32,34)"), parse_random_axis("lr=log(1e-4,1e-2)"),
      parse_random_axis("d=uniform(0,0.5)"), parse_random_axis("o=choice(adam,sgd)")};
  const auto drawn = plan_trials({parse_grid_axis("g=1,2")}, random, 50, 7);
  CHECK(drawn.size() == 100);
  CHECK(drawn == plan_trials({parse_grid_axis("g=1,2")}, random, 50, 7));  // the same seed, the same trials
  CHECK(drawn != plan_trials({parse_grid_axis("g=1,2")}, random, 50, 8));
  std::set<std::string> units, optimizers;
  for (const auto& t : drawn) {
    REQUIRE(t.size() == 5);
    units.insert(t[1]);
    const double lr = std::stod(t[2].substr(3)), d = std::stod(t[3].substr(2));
    CHECK(lr >= 1e-4 * 0.9999);
    CHECK(lr <= 1e-2);
    CHECK(d >= 0);
    CHECK(d < 0.5);
    optimizers.insert(t[4]);
  }
  CHECK(units == std::set<std::string>{"u=32", "u=33", "u=34"});  // both ends reachable
  CHECK(optimizers == std::set<std::string>{"o=adam", "o=sgd"});
}

TEST_CASE("sweep plan: malformed axes are usage errors naming them") {
  CHECK_THROWS_WITH_AS(parse_grid_axis("fit.batch_size"), doctest::Contains("expected KEY=VALUES"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse_grid_axis("a=1,,2"), doctest::Contains("an empty value"), UsageError);
  CHECK_THROWS_WITH_AS(parse_random_axis("a=int(3)"), doctest::Contains("int takes two bounds"), UsageError);
  CHECK_THROWS_WITH_AS(parse_random_axis("a=normal(0,1)"), doctest::Contains("unknown distribution 'normal'"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse_random_axis("a=log(0,1)"), doctest::Contains("log needs bounds above 0"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse_random_axis("a=uniform(2,1)"), doctest::Contains("lower bound is above"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse_random_axis("a=int(1.5,3)"), doctest::Contains("whole-number bounds"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse_random_axis("a=uniform(x,1)"), doctest::Contains("'x' is not a number"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse_random_axis("a=int(1,1e30)"), doctest::Contains("at most 2^53"), UsageError);
  CHECK_THROWS_WITH_AS(parse_random_axis("a=5"), doctest::Contains("expected KEY=int(a,b)"), UsageError);
}

TEST_CASE("run comparison: differing config keys, metric union, ranking by Keras's direction") {
  std::vector<RunRecord> runs{
      sample_run("name: m\nlayers:\n  - {name: h, type: Dense, units: 8}\nfit: {epochs: 2}\n"),
      sample_run("name: m\nlayers:\n  - {name: h, type: Dense, units: 16}\nfit: {epochs: 2}\n"),
      sample_run("name: m\nlayers:\n  - {name: h, type: Dense, units: 8}\nfit: {epochs: 2, "
                 "batch_size: 4}\n")};
  runs[0].id = "a";
  runs[1].id = "b";
  runs[2].id = "c";
  runs[0].final_metrics = {{"loss", 0.3}, {"val_accuracy", 0.9}};
  runs[1].final_metrics = {{"loss", 0.2}, {"val_accuracy", 0.8}};
  runs[2].test_metrics = {{"test_hr@10", 0.4}};
  const auto diff = config_differences(runs);
  REQUIRE(diff.size() == 2);
  CHECK(diff[0].key == "layers.h.units");
  CHECK(diff[0].values == std::vector<std::optional<std::string>>{"8", "16", "8"});
  CHECK(diff[1].key == "fit.batch_size");
  CHECK(diff[1].values == std::vector<std::optional<std::string>>{std::nullopt, std::nullopt, "4"});
  CHECK(metric_names(runs) == std::vector<std::string>{"loss", "val_accuracy", "test_hr@10"});
  CHECK(ranked_by(runs, "loss").front().id == "b");          // lower is better
  CHECK(ranked_by(runs, "val_accuracy").front().id == "a");  // higher is better
  CHECK(ranked_by(runs, "val_accuracy", "min").front().id == "b");
  CHECK(ranked_by(runs, "loss").size() == 2);  // c has no loss
  CHECK(format_metric(0.123456) == "0.1235");
  CHECK(format_metric(std::nullopt) == "-");
}
