// PostgreSQL backend of the incident store (database.h), through libpq.
//
// Every statement goes through PQexecParams with typed, bound parameters (bytea in binary form).
// A connection that reports a lost server (SQLSTATE class 08, admin shutdown, or CONNECTION_BAD)
// turns the call into kUnavailable and marks itself broken, so IncidentStore's pool drops it and the
// next attempt opens a fresh one once the server is back.
//
// Durability: a Record returns after COMMIT returns, and the store never lowers synchronous_commit,
// so an acknowledged incident is in the server's flushed WAL.

#include <libpq-fe.h>

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "incident/database.h"

namespace leakguard::incident::db {
namespace {

constexpr unsigned kInt8Oid = 20, kTextOid = 25, kByteaOid = 17;
// Key of the transaction-scoped advisory lock that serialises appends to the audit chain.
constexpr const char* kChainLockSql = "SELECT pg_advisory_xact_lock(4242000417)";

// "?" placeholders -> "$1", "$2"... (the store's SQL has no '?' inside literals).
std::string Number(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

void IgnoreNotice(void*, const char*) {}

// PostgreSQL text must be valid UTF-8 without NUL bytes, while channel metadata (a Latin-1 mail
// subject, a raw user name) need not be: rather than lose an incident over one byte, invalid
// sequences and NULs become U+FFFD. Returns false when `s` is fine as it is.
bool SanitizeUtf8(std::string_view s, std::string& out) {
  auto valid_at = [&](std::size_t i) -> std::size_t {  // length of a valid sequence at i, 0 if none
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c >= 0x01 && c < 0x80) return 1;
    std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
      if ((b(i + k) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(i + 1) > 0x9F) return 0;  // surrogate
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(i + 1) > 0x8F) return 0;  // above U+10FFFF
    return n;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = valid_at(i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return false;
  out.assign(s.substr(0, i));
  while (i < s.size()) {
    std::size_t n = valid_at(i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return true;
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) { PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr); }
  ~PgConnection() override { PQfinish(conn_); }

  Result<std::vector<Row>> Query(std::string_view sql, std::span<const Param> params) override {
    if (broken_) return Unexpected(Status::Unavailable("postgresql: connection lost"));
    auto it = numbered_.find(std::string(sql));
    if (it == numbered_.end()) it = numbered_.emplace(std::string(sql), Number(sql)).first;
    std::vector<unsigned> types(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    std::vector<std::string> ints;
    ints.reserve(params.size());
    std::deque<std::string> fixed;  // sanitised copies of text parameters (stable addresses)
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      switch (p.kind) {
        case Param::Kind::kNull:
          types[i] = 0;
          values[i] = nullptr;
          break;
        case Param::Kind::kInt:
          types[i] = kInt8Oid;
          ints.push_back(std::to_string(p.i));
          values[i] = ints.back().c_str();
          break;
        case Param::Kind::kText:
        case Param::Kind::kBlob: {
          types[i] = p.kind == Param::Kind::kText ? kTextOid : kByteaOid;
          std::string_view v = p.s;
          if (p.kind == Param::Kind::kText && SanitizeUtf8(v, fixed.emplace_back())) v = fixed.back();
          values[i] = v.data() != nullptr ? v.data() : "";
          lengths[i] = static_cast<int>(v.size());
          formats[i] = 1;  // binary: text needs no escaping or NUL terminator this way either
          break;
        }
      }
    }
    PGresult* res = PQexecParams(conn_, it->second.c_str(), static_cast<int>(params.size()), types.data(),
                                 values.data(), lengths.data(), formats.data(), 0);
    auto st = Check(res);
    if (!st.ok()) {
      PQclear(res);
      return Unexpected(st);
    }
    std::vector<Row> rows;
    int nrows = PQntuples(res), ncols = PQnfields(res);
    rows.reserve(static_cast<std::size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      Row row(static_cast<std::size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res, r, c)) continue;
        const char* v = PQgetvalue(res, r, c);
        if (PQftype(res, c) == kByteaOid) {
          std::size_t len = 0;
          unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &len);
          if (raw == nullptr) {
            PQclear(res);
            return Unexpected(Status::Internal("postgresql: cannot decode bytea"));
          }
          row[c] = std::string(reinterpret_cast<char*>(raw), len);
          PQfreemem(raw);
        } else {
          row[c] = std::string(v, static_cast<std::size_t>(PQgetlength(res, r, c)));
        }
      }
      rows.push_back(std::move(row));
    }
    PQclear(res);
    return rows;
  }

  Status BeginWrite() override { return Exec("BEGIN"); }
  Status BeginRead() override { return Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
  Status Commit() override { return Exec("COMMIT"); }
  void Rollback() override {
    if (broken_) return;
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    if (!Exec("ROLLBACK").ok()) broken_ = true;
  }
  Status LockChain() override { return Exec(kChainLockSql); }
  bool broken() const override { return broken_; }

 private:
  Status Check(PGresult* res) {
    ExecStatusType est = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (est == PGRES_COMMAND_OK || est == PGRES_TUPLES_OK) return Status::Ok();
    std::string msg = "postgresql: ";
    const char* text = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
    msg += text && *text ? text : "query failed";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string_view code = state ? state : "";
    if (res == nullptr || PQstatus(conn_) == CONNECTION_BAD || code.starts_with("08") || code == "57P01" ||
        code == "57P02" || code == "57P03") {
      broken_ = true;
      return Status::Unavailable(msg);
    }
    // Serialisation failures, deadlocks and resource shortages pass when retried.
    if (code == "40001" || code == "40P01" || code.starts_with("53")) return Status::Unavailable(msg);
    if (code.starts_with("23")) return Status::InvalidArgument(msg);
    return Status::Internal(msg);
  }

  PGconn* conn_;
  bool broken_ = false;
  std::unordered_map<std::string, std::string> numbered_;
};

class PgDatabase final : public Database {
 public:
  PgDatabase(std::string conninfo, int connect_timeout_s)
      : conninfo_(std::move(conninfo)), timeout_(std::to_string(connect_timeout_s)) {}

  Result<std::unique_ptr<Connection>> Connect() override {
    // The URL is expanded in place of dbname; keys after it add defaults the URL does not set
    // (libpq: later keys override, so they are added only when absent from the URL).
    std::vector<const char*> keys = {"dbname"}, values = {conninfo_.c_str()};
    bool has_timeout = conninfo_.find("connect_timeout") != std::string::npos;
    if (!has_timeout) {
      keys.push_back("connect_timeout");
      values.push_back(timeout_.c_str());
    }
    if (conninfo_.find("application_name") == std::string::npos) {
      keys.push_back("application_name");
      values.push_back("leakguard");
    }
    // A server that vanishes without closing the connection (host down, network cut) would otherwise
    // block a writer for the kernel's TCP timeout, about 15 minutes: notice it within ~30 s instead.
    static constexpr const char* kTcpDefaults[][2] = {{"keepalives", "1"},
                                                      {"keepalives_idle", "10"},
                                                      {"keepalives_interval", "5"},
                                                      {"keepalives_count", "3"},
                                                      {"tcp_user_timeout", "30000"}};
    for (const auto& [key, value] : kTcpDefaults)
      if (conninfo_.find(key) == std::string::npos) {
        keys.push_back(key);
        values.push_back(value);
      }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
    if (conn == nullptr) return Unexpected(Status::Unavailable("postgresql: out of memory connecting"));
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn);
      PQfinish(conn);
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      return Unexpected(Status::Unavailable("postgresql: cannot connect to " + display_name() + ": " + msg));
    }
    return std::unique_ptr<Connection>(std::make_unique<PgConnection>(conn));
  }
  std::string_view dialect() const override { return "postgresql"; }

  std::string display_name() const override {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo_.c_str(), &err);
    if (opts == nullptr) {
      PQfreemem(err);
      return "postgresql:(unparsable connection string)";
    }
    std::string user, host, port, db;
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      std::string_view k = o->keyword;
      if (k == "user") user = o->val;
      if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
      if (k == "port") port = o->val;
      if (k == "dbname") db = o->val;
    }
    PQconninfoFree(opts);
    std::string out = "postgresql://";
    if (!user.empty()) out += user + "@";
    out += host;
    if (!port.empty()) out += ":" + port;
    out += "/" + db;
    return out;
  }

 private:
  std::string conninfo_;
  std::string timeout_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(std::string conninfo, int connect_timeout_s) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? err : "cannot parse";
    PQfreemem(err);
    return Unexpected(Status::InvalidArgument("postgresql store URL: " + msg));
  }
  PQconninfoFree(opts);
  return std::unique_ptr<Database>(std::make_unique<PgDatabase>(std::move(conninfo), connect_timeout_s));
}

}  // namespace leakguard::incident::db
