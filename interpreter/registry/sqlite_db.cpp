#include "interpreter/registry/sqlite_db.hpp"

#include <sqlite3.h>

namespace yamlnet {

RegistryError::RegistryError(const std::string& database, const std::string& message)
    : Error(database + ": run registry: " + message) {}

SqliteDb::SqliteDb(const std::string& path, bool create, int busy_timeout_ms) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close(db_);
    db_ = nullptr;
    throw RegistryError(path, "cannot open: " + message);
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

SqliteDb::~SqliteDb() {
  sqlite3_close(db_);
}

void SqliteDb::check(int code, const std::string& doing) {
  if (code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE) return;
  std::string message = sqlite3_errmsg(db_);
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
    throw RegistryBusy(path_, doing + ": " + message);
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    message +=
        " (the file is damaged or is not a SQLite database; move it away, or use --registry "
        "to record runs elsewhere)";
  throw RegistryError(path_, doing + ": " + message);
}

void SqliteDb::exec(const std::string& sql) {
  check(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), "cannot run '" + sql.substr(0, 40) + "'");
}

SqliteStatement::SqliteStatement(SqliteDb& db, const std::string& sql) : db_(db) {
  db_.check(sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt_, nullptr), "cannot prepare a query");
}

SqliteStatement::~SqliteStatement() {
  sqlite3_finalize(stmt_);
}

SqliteStatement& SqliteStatement::bind(int index, const std::string& text) {
  db_.check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT),
            "cannot bind a value");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  db_.check(sqlite3_bind_int64(stmt_, index, value), "cannot bind a value");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, double value) {
  db_.check(sqlite3_bind_double(stmt_, index, value), "cannot bind a value");
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  db_.check(sqlite3_bind_null(stmt_, index), "cannot bind a value");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, *text) : bind_null(index);
}

bool SqliteStatement::step() {
  const int code = sqlite3_step(stmt_);
  db_.check(code, "query failed");
  return code == SQLITE_ROW;
}

void SqliteStatement::run() {
  while (step()) {
  }
}

std::string SqliteStatement::text(int column) const {
  const unsigned char* value = sqlite3_column_text(stmt_, column);
  if (!value) return "";
  return std::string(reinterpret_cast<const char*>(value),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t SqliteStatement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double SqliteStatement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

bool SqliteStatement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

SqliteTransaction::SqliteTransaction(SqliteDb& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace yamlnet
