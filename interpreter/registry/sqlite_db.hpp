#pragma once
// A thin RAII layer over SQLite's C API for the run registry: one connection, prepared statements with
// bound parameters (no SQL is ever built from a user's text), and every failure a RegistryError naming the
// database file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "interpreter/core/errors.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace yamlnet {

// A registry database that cannot be opened, is damaged, belongs to another program or is newer than this
// yamlnet.
class RegistryError : public Error {
 public:
  RegistryError(const std::string& database, const std::string& message);
};

// The database stayed locked by another process past the busy timeout, or SQLite refused to wait for it
// (switching the journal mode, a lock upgrade that could deadlock): worth trying again.
class RegistryBusy : public RegistryError {
 public:
  using RegistryError::RegistryError;
};

class SqliteDb;

// One prepared statement. Parameters are bound by position (from 1), columns read by index (from 0).
class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, const std::string& sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, const std::string& text);
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, double value);
  SqliteStatement& bind_null(int index);
  // Binds a text, or NULL when it is absent.
  SqliteStatement& bind(int index, const std::optional<std::string>& text);
  // Steps once: true while a row is ready, false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  std::string text(int column) const;  // "" for NULL
  std::int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  // Opens (creating when `create`) the database at `path`, with a busy timeout so that concurrent writers
  // wait for each other instead of failing.
  SqliteDb(const std::string& path, bool create, int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs statements without parameters (schema, pragmas).
  void exec(const std::string& sql);
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }
  // Throws RegistryError with SQLite's message for `code` when it is not a success.
  void check(int code, const std::string& doing);

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT: takes the write lock up front (so two writers never deadlock upgrading a read
// lock); rolls back when left without commit().
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  void commit();

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace yamlnet
