// Test support for the incident store: a real PostgreSQL started on loopback for this test process
// (../shared/REAL_COMPONENTS.md), raw SQL access for tampering, and sample records.
#pragma once

#include <arpa/inet.h>
#include <glob.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "incident/store.h"

namespace leakguard::incident::testing {

inline std::string Shell(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    if (rc) *rc = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// One PostgreSQL server per test process, in its own temporary folder and on a free port, run as
// user postgres (initdb refuses root). Stopped (and its folder removed) when the process ends.
class PgServer {
 public:
  // The server of this process, started on first use; nullptr (with the reason) when PostgreSQL is
  // not installed or cannot start.
  static PgServer* Get(std::string* why) {
    static PgServer* server = [] {
      auto* s = new PgServer();
      if (!s->Init()) return s;
      std::atexit([] { Get(nullptr)->Shutdown(); });
      return s;
    }();
    if (!server->ok_) {
      if (why) *why = server->why_;
      return nullptr;
    }
    return server;
  }

  int port() const { return port_; }
  const std::string& bin() const { return bin_; }
  const std::string& dir() const { return dir_; }

  // A fresh database for one test.
  std::string NewDatabaseUrl() {
    static std::atomic<int> n{0};
    std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    std::string err = Exec(AdminUrl(), "CREATE DATABASE " + name);
    EXPECT_EQ(err, "") << "CREATE DATABASE";
    return Url(name);
  }
  std::string Url(const std::string& db) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  std::string AdminUrl() const { return Url("postgres"); }

  // Runs SQL directly (bypassing the store): "" on success, else the error.
  static std::string Exec(const std::string& url, const std::string& sql) {
    PGconn* c = PQconnectdb(url.c_str());
    std::string err;
    if (PQstatus(c) != CONNECTION_OK) {
      err = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        err = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    return err;
  }

  std::string Dump(const std::string& db) {
    return Shell(As() + bin_ + "/pg_dump -h 127.0.0.1 -p " + std::to_string(port_) + " -U postgres " + db);
  }

  // pg_ctl stop -m immediate: the server dies as in a crash (no checkpoint), clients see their
  // connections drop.
  bool StopImmediate() {
    int rc = 0;
    std::string out = Shell(As() + bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop", &rc);
    if (rc != 0) ADD_FAILURE() << "pg_ctl stop: " << out;
    return rc == 0;
  }
  bool Start() {
    int rc = 0;
    std::string out =
        Shell(As() + bin_ + "/pg_ctl -D " + dir_ + "/data -o \"-k " + dir_ + " -p " + std::to_string(port_) +
                  " -c listen_addresses=127.0.0.1\" -l " + dir_ + "/log -w -t 60 start",
              &rc);
    if (rc != 0) why_ = "pg_ctl start: " + out;
    return rc == 0;
  }

 private:
  bool Init() {
    glob_t g{};
    if (::glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0 && g.gl_pathc > 0)
      bin_ = std::filesystem::path(g.gl_pathv[g.gl_pathc - 1]).parent_path().string();
    ::globfree(&g);
    if (bin_.empty()) {
      why_ = "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; package postgresql)";
      return false;
    }
    char tmpl[] = "/tmp/leakguard-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      why_ = "mkdtemp failed";
      return false;
    }
    dir_ = tmpl;
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) {
        why_ = "no postgres user";
        return false;
      }
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        why_ = "chown failed";
        return false;
      }
    }
    port_ = FreePort();
    int rc = 0;
    std::string out = Shell(As() + bin_ + "/initdb -D " + dir_ + "/data -A trust -U postgres --no-sync", &rc);
    if (rc != 0) {
      why_ = "initdb: " + out;
      return false;
    }
    // Durability tests need fsync at commit as in production: --no-sync only skips initdb's own syncs.
    if (!Start()) return false;
    ok_ = true;
    return true;
  }

  void Shutdown() {
    if (dir_.empty()) return;
    Shell(As() + bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }

  static int FreePort() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
  }

  static std::string As() { return ::geteuid() == 0 ? "runuser -u postgres -- " : ""; }

  bool ok_ = false;
  std::string why_, bin_, dir_;
  int port_ = 0;
};

// A temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/leakguard-inc-XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs SQL on a SQLite file directly: "" or the error.
inline std::string SqliteExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string err;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    err = "open failed";
  } else {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) err = msg ? msg : "exec failed";
    sqlite3_free(msg);
  }
  sqlite3_close(db);
  return err;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A decided transfer: a card number sent to a personal mail domain, blocked.
inline TransferRecord SampleRecord(int i, Action action = Action::kBlock, std::int64_t time_ms = 0) {
  TransferRecord r;
  Transfer& t = r.transfer;
  t.time_ms = time_ms != 0 ? time_ms : 1'790'000'000'000 + i * 1000LL;
  t.channel = i % 2 == 0 ? Channel::kMail : Channel::kWeb;
  t.identity.user = i % 3 == 0 ? "Alice@corp.example" : "bob@corp.example";
  t.identity.client_ip = "10.0.0." + std::to_string(i % 250);
  t.source = "smtp:10.0.0.1";
  Destination d;
  d.address = "someone" + std::to_string(i) + "@gmail.com";
  d.host = "gmail.com";
  t.destinations.push_back(d);
  t.name = "customers-" + std::to_string(i) + ".csv";
  t.content_type = "text/csv";
  t.bytes = 1234;
  TypeSummary ts;
  ts.type = i % 4 == 0 ? "IBAN_CODE" : "CREDIT_CARD_NUMBER";
  ts.count_high = 3;
  ts.samples = {"4111 **** **** 1111"};
  r.summary.types.push_back(ts);
  r.summary.label = Label::kRestricted;
  Verdict& v = r.verdict;
  v.action = action;
  v.severity = i % 5 == 0 ? Severity::kCritical : Severity::kHigh;
  v.label = Label::kRestricted;
  if (action != Action::kAllow) {
    RuleMatch m;
    m.rule = i % 2 == 0 ? "pci/cards-to-personal-mail" : "default/cards-external";
    m.action = action;
    m.severity = v.severity;
    m.reason = "CREDIT_CARD_NUMBER x3 (high) to gmail.com (external)";
    v.matched.push_back(m);
  }
  v.policy_version = "sha256:abc";
  return r;
}

}  // namespace leakguard::incident::testing
