// incident/database.h — the SQL backend under IncidentStore: the edge where SQLite and PostgreSQL differ.
//
// Owns: Param, Row, Connection and Database. IncidentStore (store.h) holds every piece of incident,
// evidence and audit logic once and talks to a Database through this interface; the two
// implementations are sqlite/sqlite_database.cc and postgres/postgres_database.cc.
//
// SQL text is written once with `?` placeholders and SQLite's and PostgreSQL's common dialect; the
// PostgreSQL connection numbers the placeholders ($1, $2, ...). Values only ever travel as bound
// parameters, never inside SQL text.
//
// Threads: a Connection is used by one thread at a time (IncidentStore's pool hands it out);
// Database::Connect may be called from any thread.
// Failure: kUnavailable when the server cannot be reached, the connection was lost, or the database is
// locked past the busy timeout: the operation may be retried on a fresh connection. Anything else
// (constraint violation, bad SQL, disk full) is kIoError/kInternal and is not retried.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::incident::db {

// A bound parameter. Text and blob parameters point into the caller's memory for the duration of
// the call only.
struct Param {
  enum class Kind : std::uint8_t { kNull, kInt, kText, kBlob };
  Kind kind = Kind::kNull;
  std::int64_t i = 0;
  std::string_view s;

  static Param Null() { return {}; }
  static Param Int(std::int64_t v) { return {Kind::kInt, v, {}}; }
  static Param Text(std::string_view v) { return {Kind::kText, 0, v}; }
  static Param Blob(std::string_view v) { return {Kind::kBlob, 0, v}; }
};

// One result column: nullopt for SQL NULL; integers in decimal; blobs as raw bytes.
using Value = std::optional<std::string>;
using Row = std::vector<Value>;

std::int64_t AsInt(const Value& v);  // 0 for NULL or non-numeric text

class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one statement. Query returns its rows; Exec discards them.
  virtual Result<std::vector<Row>> Query(std::string_view sql, std::span<const Param> params) = 0;
  Status Exec(std::string_view sql, std::span<const Param> params = {});

  // A write transaction serialised against other writers of the same database where the backend can
  // (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN, with LockChain serialising the audit chain).
  virtual Status BeginWrite() = 0;
  virtual Status BeginRead() = 0;
  virtual Status Commit() = 0;
  // Never fails visibly: a failed rollback marks the connection broken.
  virtual void Rollback() = 0;
  // Inside a write transaction: waits until no other transaction, on any node, appends to the audit
  // chain, and holds that until commit/rollback. SQLite's write lock already does this.
  virtual Status LockChain() = 0;
  // True once the connection is unusable (lost, half-way through a failed transaction it could not
  // roll back): the pool drops it instead of reusing it.
  virtual bool broken() const = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Result<std::unique_ptr<Connection>> Connect() = 0;
  // "sqlite" or "postgresql".
  virtual std::string_view dialect() const = 0;
  // The URL without a password, for messages.
  virtual std::string display_name() const = 0;
};

// `path` is a file path; the file and its parent folder are created when missing.
// busy_timeout_ms: how long a writer waits for another writer's lock before kUnavailable.
Result<std::unique_ptr<Database>> OpenSqlite(std::string path, int busy_timeout_ms);
// `conninfo` is a libpq URL or key=value string. connect_timeout_s bounds each connection attempt.
Result<std::unique_ptr<Database>> OpenPostgres(std::string conninfo, int connect_timeout_s);

}  // namespace leakguard::incident::db
