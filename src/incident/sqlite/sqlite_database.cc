// SQLite backend of the incident store (database.h): one connection per thread via IncidentStore's
// pool, WAL journal, synchronous=FULL, prepared statements cached per connection.
//
// Durability: in WAL mode synchronous=FULL syncs the WAL at every commit, so a committed Record
// survives a kill -9 and a power cut. (NORMAL would survive the kill but could lose the last commits
// on power loss, which is not good enough for an incident an analyst was promised.)

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <unordered_map>

#include "incident/database.h"

namespace leakguard::incident::db {
namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = "sqlite: " + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg + " (database locked by another writer)");
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
      return Status::IoError(msg);
    case SQLITE_CONSTRAINT:
      return Status::InvalidArgument(msg);
    default:
      return Status::Internal(msg);
  }
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Result<std::vector<Row>> Query(std::string_view sql, std::span<const Param> params) override {
    auto stmt = Prepare(sql);
    if (!stmt) return Unexpected(stmt.error());
    sqlite3_stmt* s = *stmt;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      int idx = static_cast<int>(i + 1), rc = SQLITE_OK;
      switch (p.kind) {
        case Param::Kind::kNull:
          rc = sqlite3_bind_null(s, idx);
          break;
        case Param::Kind::kInt:
          rc = sqlite3_bind_int64(s, idx, p.i);
          break;
        case Param::Kind::kText:
          rc = sqlite3_bind_text64(s, idx, p.s.data(), p.s.size(), SQLITE_STATIC, SQLITE_UTF8);
          break;
        case Param::Kind::kBlob:
          // A zero-length blob with a null pointer would bind NULL: point at a static byte instead.
          rc = sqlite3_bind_blob64(s, idx, p.s.empty() ? "" : p.s.data(), p.s.size(), SQLITE_STATIC);
          break;
      }
      if (rc != SQLITE_OK) {
        Status st = SqliteError(db_, rc, "bind");
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return Unexpected(st);
      }
    }
    std::vector<Row> rows;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      int n = sqlite3_column_count(s);
      Row row(static_cast<std::size_t>(n));
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(s, c)) {
          case SQLITE_NULL:
            break;
          case SQLITE_INTEGER:
            row[c] = std::to_string(sqlite3_column_int64(s, c));
            break;
          case SQLITE_BLOB: {
            const void* b = sqlite3_column_blob(s, c);
            row[c] = std::string(static_cast<const char*>(b),
                                 static_cast<std::size_t>(sqlite3_column_bytes(s, c)));
            break;
          }
          default: {
            const unsigned char* t = sqlite3_column_text(s, c);
            row[c] = std::string(reinterpret_cast<const char*>(t),
                                 static_cast<std::size_t>(sqlite3_column_bytes(s, c)));
          }
        }
      }
      rows.push_back(std::move(row));
    }
    Status st = rc == SQLITE_DONE ? Status::Ok() : SqliteError(db_, rc, "step");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (!st.ok()) return Unexpected(st);
    return rows;
  }

  Status BeginWrite() override { return Simple("BEGIN IMMEDIATE"); }
  Status BeginRead() override { return Simple("BEGIN"); }
  Status Commit() override { return Simple("COMMIT"); }
  void Rollback() override {
    if (sqlite3_get_autocommit(db_)) return;  // nothing open (a failed COMMIT may have rolled back)
    if (!Simple("ROLLBACK").ok()) broken_ = true;
  }
  Status LockChain() override { return Status::Ok(); }  // BEGIN IMMEDIATE holds the only write lock
  bool broken() const override { return broken_; }

  Status Simple(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::Ok() : SqliteError(db_, rc, sql);
  }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return Unexpected(SqliteError(db_, rc, "prepare"));
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  bool broken_ = false;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, int busy_timeout_ms) : path_(std::move(path)), busy_ms_(busy_timeout_ms) {}

  Result<std::unique_ptr<Connection>> Connect() override {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      Status st = SqliteError(db, rc, "open " + path_);
      sqlite3_close_v2(db);
      return Unexpected(st);
    }
    auto conn = std::make_unique<SqliteConnection>(db);
    sqlite3_busy_timeout(db, busy_ms_);
    sqlite3_extended_result_codes(db, 1);
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
      // journal_mode returns a row; sqlite3_exec ignores it.
      if (Status st = conn->Simple(pragma); !st.ok()) return Unexpected(st);
    }
    return std::unique_ptr<Connection>(std::move(conn));
  }
  std::string_view dialect() const override { return "sqlite"; }
  std::string display_name() const override { return "sqlite:" + path_; }

 private:
  std::string path_;
  int busy_ms_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(std::string path, int busy_timeout_ms) {
  if (path.empty()) return Unexpected(Status::InvalidArgument("sqlite store: empty path"));
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path() && !std::filesystem::exists(p.parent_path(), ec)) {
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec)
      return Unexpected(Status::IoError("cannot create " + p.parent_path().string() + ": " + ec.message()));
    ::chmod(p.parent_path().c_str(), 0700);
  }
  // Incident metadata is confidential: create the file owner-only. SQLite gives its -wal and -shm
  // files the main file's mode.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Unexpected(Status::IoError("cannot open " + path + ": " + std::strerror(errno)));
  ::close(fd);
  return std::unique_ptr<Database>(std::make_unique<SqliteDatabase>(std::move(path), busy_timeout_ms));
}

}  // namespace leakguard::incident::db
