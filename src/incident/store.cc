#include "incident/store.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "incident/database.h"

namespace leakguard::incident {
namespace {

using db::Connection;
using db::Param;
using db::Row;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A LIKE pattern matching `s` anywhere, with the wildcards in `s` escaped (used with ESCAPE '\').
std::string LikeContains(std::string_view s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

Result<Json> ParseStored(const db::Value& v, std::string_view what) {
  if (!v) return Unexpected(Status::IoError(std::string(what) + " is NULL in the store"));
  Json j = Json::parse(*v, nullptr, false);
  if (j.is_discarded())
    return Unexpected(Status::IoError(std::string(what) + " in the store is not valid JSON"));
  return j;
}

// Version 1 of the schema, in the dialect both backends accept (BLOB becomes BYTEA on PostgreSQL).
// Search columns hold lower-case copies so filters need no per-dialect case folding.
constexpr const char* kSchemaV1[] = {
    "CREATE TABLE transfers (id TEXT PRIMARY KEY, time_ms BIGINT NOT NULL, channel TEXT NOT NULL, "
    "user_name TEXT NOT NULL, action TEXT NOT NULL, incident_id TEXT, record TEXT NOT NULL)",
    "CREATE INDEX transfers_time ON transfers (time_ms, id)",
    "CREATE TABLE incidents (id TEXT PRIMARY KEY, time_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, "
    "status TEXT NOT NULL, severity BIGINT NOT NULL, action BIGINT NOT NULL, channel TEXT NOT NULL, "
    "user_name TEXT NOT NULL, assignee TEXT NOT NULL, types TEXT NOT NULL, search TEXT NOT NULL, "
    "evidence_id TEXT, created_seq BIGINT NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX incidents_time ON incidents (time_ms, id)",
    "CREATE INDEX incidents_status ON incidents (status, time_ms)",
    "CREATE INDEX incidents_user ON incidents (user_name, time_ms)",
    "CREATE TABLE audit (seq BIGINT PRIMARY KEY, time_ms BIGINT NOT NULL, actor TEXT NOT NULL, "
    "action TEXT NOT NULL, object_id TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, "
    "hash TEXT NOT NULL, mac TEXT NOT NULL)",
    "CREATE INDEX audit_object ON audit (object_id)",
    "CREATE TABLE evidence (id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, created_ms BIGINT NOT NULL, "
    "sealed_key BLOB NOT NULL, header BLOB NOT NULL, chunk_bytes BIGINT NOT NULL, chunks BIGINT NOT NULL, "
    "stored_bytes BIGINT NOT NULL, original_bytes BIGINT NOT NULL, truncated BIGINT NOT NULL, "
    "name TEXT NOT NULL, content_type TEXT NOT NULL)",
    "CREATE TABLE evidence_chunks (evidence_id TEXT NOT NULL, idx BIGINT NOT NULL, data BLOB NOT NULL, "
    "PRIMARY KEY (evidence_id, idx))",
};

constexpr const char* kAuditColumns = "seq, time_ms, actor, action, object_id, details, prev_hash, hash, mac";

AuditEntry EntryFromRow(const Row& r) {
  AuditEntry e;
  e.seq = db::AsInt(r[0]);
  e.time_ms = db::AsInt(r[1]);
  e.actor = r[2].value_or("");
  e.action = r[3].value_or("");
  e.object_id = r[4].value_or("");
  e.details = r[5].value_or("");
  e.prev_hash = r[6].value_or("");
  e.hash = r[7].value_or("");
  e.mac = r[8].value_or("");
  return e;
}

std::string SearchText(const Incident& inc) {
  std::string s;
  for (const auto& m : inc.verdict.matched) s += m.rule + "\n";
  for (const auto& d : inc.transfer.destinations)
    s += d.address + "\n" + d.host + "\n" + d.url + "\n" + d.device + "\n";
  return Lower(s);
}

std::string TypesColumn(const FindingsSummary& s) {
  std::string out = "|";
  for (const auto& t : s.types) out += t.type + "|";
  return out;
}

// Free text (notes, root cause, justification) may quote sensitive values: the audit chain keeps only
// its digest, which proves what was written without repeating it.
Json TextDigest(std::string_view text) { return Json{{"sha256", Sha256Hex(text)}, {"length", text.size()}}; }

// A record ready to be written: ids assigned, incident built, evidence already stored.
struct PreparedRecord {
  TransferRecord rec;
  Incident inc;
  Json created;         // details of the incident.created audit entry
  RecordResult result;  // what Record returns when it is written
  std::string record_json;
  std::string user;  // lower case
};

}  // namespace

struct IncidentStore::Impl {
  std::unique_ptr<db::Database> database;
  StoreOptions options;
  std::mutex mu;
  std::vector<std::unique_ptr<Connection>> idle;

  Result<std::unique_ptr<Connection>> Acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        return c;
      }
    }
    return database->Connect();
  }

  void Release(std::unique_ptr<Connection> c) {
    std::vector<std::unique_ptr<Connection>> drop;
    std::lock_guard lock(mu);
    if (c->broken()) {
      // The server went away (restart, failover): the other idle connections are dead too.
      drop.swap(idle);
      drop.push_back(std::move(c));
    } else if (idle.size() < options.max_idle_connections) {
      idle.push_back(std::move(c));
    } else {
      drop.push_back(std::move(c));
    }
  }

  // Runs fn on a pooled connection, retrying on kUnavailable (fresh connection, backoff) until
  // options.retry_for has passed, or at once when *no_retry became true.
  template <class T, class F>
  Result<T> Run(F&& fn, const bool* no_retry = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + options.retry_for;
    std::chrono::milliseconds backoff{25};
    for (;;) {
      Status err;
      auto conn = Acquire();
      if (conn) {
        Result<T> r = fn(**conn);
        Release(std::move(*conn));
        if (r || r.error().code() != StatusCode::kUnavailable) return r;
        err = r.error();
      } else {
        err = conn.error();
      }
      if (err.code() != StatusCode::kUnavailable || (no_retry && *no_retry) ||
          std::chrono::steady_clock::now() + backoff > deadline)
        return Unexpected(err);
      std::this_thread::sleep_for(backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::milliseconds(1000));
    }
  }

  template <class T, class F>
  Result<T> Transaction(bool write, F&& fn, const bool* no_retry = nullptr) {
    return Run<T>(
        [&](Connection& c) -> Result<T> {
          if (Status st = write ? c.BeginWrite() : c.BeginRead(); !st.ok()) return Unexpected(st);
          Result<T> r = fn(c);
          if (!r) {
            c.Rollback();
            return r;
          }
          if (Status st = c.Commit(); !st.ok()) {
            c.Rollback();
            return Unexpected(st);
          }
          return r;
        },
        no_retry);
  }

  // Appends to the audit chain inside the caller's write transaction.
  Result<AuditEntry> Append(Connection& c, std::string_view actor, std::string_view action,
                            std::string_view object_id, const Json& details) {
    if (Status st = c.LockChain(); !st.ok()) return Unexpected(st);
    auto head = c.Query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", {});
    if (!head) return Unexpected(head.error());
    AuditEntry e;
    e.seq = head->empty() ? 1 : db::AsInt((*head)[0][0]) + 1;
    e.prev_hash = head->empty() ? std::string(kGenesisHash) : (*head)[0][1].value_or("");
    e.time_ms = NowMs();
    e.actor = actor;
    e.action = action;
    e.object_id = object_id;
    e.details = Dump(details.is_null() ? Json::object() : details);
    e.hash = AuditChainHash(e.prev_hash, CanonicalAuditEntry(e));
    if (options.audit_key) e.mac = options.audit_key->Mac(e.hash);
    Param p[] = {Param::Int(e.seq),        Param::Int(e.time_ms),    Param::Text(e.actor),
                 Param::Text(e.action),    Param::Text(e.object_id), Param::Text(e.details),
                 Param::Text(e.prev_hash), Param::Text(e.hash),      Param::Text(e.mac)};
    if (Status st = c.Exec(
            "INSERT INTO audit (seq, time_ms, actor, action, object_id, details, prev_hash, hash, mac) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            p);
        !st.ok())
      return Unexpected(st);
    return e;
  }

  Status Migrate() {
    auto r = Transaction<bool>(true, [&](Connection& c) -> Result<bool> {
      // The chain lock also keeps two nodes from creating the schema at once.
      if (Status st = c.LockChain(); !st.ok()) return Unexpected(st);
      if (Status st = c.Exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL, "
                             "applied_ms BIGINT NOT NULL)");
          !st.ok())
        return Unexpected(st);
      auto v = c.Query("SELECT max(version) FROM schema_version", {});
      if (!v) return Unexpected(v.error());
      std::int64_t version = v->empty() ? 0 : db::AsInt((*v)[0][0]);
      if (version > kSchemaVersion)
        return Unexpected(Status::InvalidArgument("the store's schema version " + std::to_string(version) +
                                                  " is newer than this LeakGuard's (" +
                                                  std::to_string(kSchemaVersion) + "): upgrade LeakGuard"));
      if (version >= 1) return true;
      for (const char* ddl : kSchemaV1) {
        std::string sql = ddl;
        if (database->dialect() == "postgresql")
          for (std::size_t at; (at = sql.find("BLOB")) != std::string::npos;) sql.replace(at, 4, "BYTEA");
        if (Status st = c.Exec(sql); !st.ok()) return Unexpected(st);
      }
      Param p[] = {Param::Int(1), Param::Int(NowMs())};
      if (Status st = c.Exec("INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)", p); !st.ok())
        return Unexpected(st);
      auto e = Append(c, options.system_actor, "store.created", "", Json{{"schema_version", 1}});
      if (!e) return Unexpected(e.error());
      return true;
    });
    return r ? Status::Ok() : r.error();
  }

  struct WrittenEvidence {
    std::string id;
    bool truncated = false;
    std::uint64_t stored = 0;
  };

  // Encrypts and stores the content in one transaction, reading the source once (no retry after the
  // first byte was read: the source cannot be rewound).
  Result<WrittenEvidence> WriteEvidence(const std::string& incident_id, std::int64_t time_ms,
                                        const EvidenceSource& src) {
    WrittenEvidence out;
    out.id = "EV-" + NewIncidentId(time_ms).substr(4);
    auto sealer = EvidenceSealer::Start(*options.evidence_key, out.id + "\n" + incident_id);
    if (!sealer) return Unexpected(sealer.error());
    const std::size_t chunk = std::max<std::size_t>(options.evidence_chunk_bytes, 1024);
    const std::uint64_t limit = options.evidence_max_bytes;
    bool consumed = false;
    auto r = Transaction<bool>(
        true,
        [&](Connection& c) -> Result<bool> {
          if (consumed) return Unexpected(Status::Unavailable("evidence source already consumed"));
          consumed = true;
          std::uint64_t total = 0;
          bool eof = false;
          // Fills `buf` with up to `chunk` bytes within the size limit.
          auto fill = [&](std::string& buf) -> Status {
            buf.resize(chunk);
            std::size_t n = 0;
            while (n < chunk && !eof && total < limit) {
              std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk - n, limit - total));
              auto got = src.read(buf.data() + n, want);
              if (!got) return got.error();
              if (*got == 0) eof = true;
              n += *got;
              total += *got;
            }
            buf.resize(n);
            return Status::Ok();
          };
          std::string cur, next;
          if (Status st = fill(cur); !st.ok()) return Unexpected(st);
          std::int64_t idx = 0;
          for (;;) {
            bool last = eof || total >= limit;
            if (!last) {
              if (Status st = fill(next); !st.ok()) return Unexpected(st);
              last = next.empty();
            }
            std::string sealed = sealer->Push(cur, last);
            Param p[] = {Param::Text(out.id), Param::Int(idx++), Param::Blob(sealed)};
            if (Status st =
                    c.Exec("INSERT INTO evidence_chunks (evidence_id, idx, data) VALUES (?, ?, ?)", p);
                !st.ok())
              return Unexpected(st);
            if (last) break;
            cur.swap(next);
          }
          out.stored = total;
          if (!eof && total >= limit) {
            char probe;
            auto more = src.read(&probe, 1);
            if (!more) return Unexpected(more.error());
            out.truncated = *more > 0;
          }
          Param p[] = {Param::Text(out.id),
                       Param::Text(incident_id),
                       Param::Int(NowMs()),
                       Param::Blob(sealer->sealed_key()),
                       Param::Blob(sealer->header()),
                       Param::Int(static_cast<std::int64_t>(chunk)),
                       Param::Int(idx),
                       Param::Int(static_cast<std::int64_t>(out.stored)),
                       Param::Int(static_cast<std::int64_t>(out.truncated ? src.size_hint : out.stored)),
                       Param::Int(out.truncated ? 1 : 0),
                       Param::Text(src.name),
                       Param::Text(src.content_type)};
          if (Status st = c.Exec(
                  "INSERT INTO evidence (id, incident_id, created_ms, sealed_key, header, chunk_bytes, "
                  "chunks, stored_bytes, original_bytes, truncated, name, content_type) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  p);
              !st.ok())
            return Unexpected(st);
          return true;
        },
        &consumed);
    if (!r) return Unexpected(r.error());
    return out;
  }

  // One record's rows inside the batch transaction (see Submit).
  Result<RecordResult> WriteRecord(Connection& c, const PreparedRecord& p) {
    const TransferRecord& rec = p.rec;
    const Incident& inc = p.inc;
    const Verdict& v = rec.verdict;
    // Idempotence: a retry after a lost COMMIT answer finds its own earlier commit.
    Param q[] = {Param::Text(rec.transfer.id)};
    auto existing = c.Query("SELECT incident_id FROM transfers WHERE id = ?", q);
    if (!existing) return Unexpected(existing.error());
    if (!existing->empty()) {
      RecordResult dup;
      dup.recorded = true;
      dup.duplicate = true;
      dup.transfer_id = rec.transfer.id;
      dup.incident_id = (*existing)[0][0].value_or("");
      if (dup.incident_id == inc.id) {
        dup.evidence_id = p.result.evidence_id;
        dup.evidence_truncated = p.result.evidence_truncated;
      }
      return dup;
    }
    RecordResult res = p.result;
    Param t[] = {Param::Text(rec.transfer.id),
                 Param::Int(rec.transfer.time_ms),
                 Param::Text(ChannelName(rec.transfer.channel)),
                 Param::Text(p.user),
                 Param::Text(ActionName(v.action)),
                 inc.id.empty() ? Param::Null() : Param::Text(inc.id),
                 Param::Text(p.record_json)};
    if (Status st =
            c.Exec("INSERT INTO transfers (id, time_ms, channel, user_name, action, incident_id, record) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   t);
        !st.ok())
      return Unexpected(st);
    if (inc.id.empty()) return res;
    auto entry = Append(c, options.system_actor, "incident.created", inc.id, p.created);
    if (!entry) return Unexpected(entry.error());
    res.incident_id = inc.id;
    res.audit_seq = entry->seq;
    std::string body = Dump(ToJson(inc));
    std::string types = TypesColumn(inc.summary), search = SearchText(inc);
    Param row[] = {Param::Text(inc.id),
                   Param::Int(inc.time_ms),
                   Param::Int(inc.updated_ms),
                   Param::Text(IncidentStatusName(inc.status)),
                   Param::Int(static_cast<int>(v.severity)),
                   Param::Int(static_cast<int>(v.action)),
                   Param::Text(ChannelName(inc.transfer.channel)),
                   Param::Text(p.user),
                   Param::Text(inc.assignee),
                   Param::Text(types),
                   Param::Text(search),
                   inc.evidence_id.empty() ? Param::Null() : Param::Text(inc.evidence_id),
                   Param::Int(entry->seq),
                   Param::Text(body)};
    if (Status st =
            c.Exec("INSERT INTO incidents (id, time_ms, updated_ms, status, severity, action, channel, "
                   "user_name, assignee, types, search, evidence_id, created_seq, body) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   row);
        !st.ok())
      return Unexpected(st);
    return res;
  }

  // Group commit. Appends to the audit chain are serialised until commit, so concurrent Records
  // could never share a disk flush; instead, callers that arrive while a commit is in flight queue
  // up, and the next one to lead writes all of them in one transaction (each in a savepoint, so one
  // bad record does not fail the others) and wakes them once it is durable. A lone caller commits
  // alone, as before.
  struct Pending {
    const PreparedRecord* record;
    Result<RecordResult> result = Unexpected(Status::Internal("not recorded"));
    bool done = false;
  };
  static constexpr std::size_t kMaxBatch = 128;
  std::mutex batch_mu;
  std::condition_variable batch_cv;
  std::deque<Pending*> queue;
  bool leading = false;

  Result<RecordResult> Submit(const PreparedRecord& p) {
    Pending me{&p};
    std::unique_lock lock(batch_mu);
    queue.push_back(&me);
    while (!me.done) {
      if (leading) {
        batch_cv.wait(lock);
        continue;
      }
      leading = true;
      std::vector<Pending*> batch;
      while (!queue.empty() && batch.size() < kMaxBatch) {
        batch.push_back(queue.front());
        queue.pop_front();
      }
      lock.unlock();
      CommitBatch(batch);
      lock.lock();
      for (Pending* b : batch) b->done = true;
      leading = false;
      batch_cv.notify_all();
    }
    return std::move(me.result);
  }

  void CommitBatch(const std::vector<Pending*>& batch) {
    std::vector<Result<RecordResult>> results;
    const bool single = batch.size() == 1;
    auto r = Transaction<bool>(true, [&](Connection& c) -> Result<bool> {
      results.clear();
      for (Pending* b : batch) {
        if (!single)
          if (Status st = c.Exec("SAVEPOINT lg_record"); !st.ok()) return Unexpected(st);
        auto one = WriteRecord(c, *b->record);
        if (!one && (single || one.error().code() == StatusCode::kUnavailable))
          return Unexpected(one.error());
        if (!single) {
          if (!one)
            if (Status st = c.Exec("ROLLBACK TO SAVEPOINT lg_record"); !st.ok()) return Unexpected(st);
          if (Status st = c.Exec("RELEASE SAVEPOINT lg_record"); !st.ok()) return Unexpected(st);
        }
        results.push_back(std::move(one));
      }
      return true;
    });
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i]->result = r ? std::move(results[i]) : Result<RecordResult>(Unexpected(r.error()));
  }

  Result<Incident> LoadIncident(Connection& c, std::string_view id) {
    Param p[] = {Param::Text(id)};
    auto rows = c.Query("SELECT body FROM incidents WHERE id = ?", p);
    if (!rows) return Unexpected(rows.error());
    if (rows->empty()) return Unexpected(Status::NotFound("no incident " + std::string(id)));
    auto j = ParseStored((*rows)[0][0], "incident " + std::string(id));
    if (!j) return Unexpected(j.error());
    return IncidentFromJson(*j);
  }

  Status StoreIncident(Connection& c, const Incident& inc) {
    std::string body = Dump(ToJson(inc));
    Param p[] = {Param::Int(inc.updated_ms),
                 Param::Text(IncidentStatusName(inc.status)),
                 Param::Int(static_cast<int>(inc.verdict.severity)),
                 Param::Text(inc.assignee),
                 Param::Text(body),
                 Param::Text(inc.id)};
    return c.Exec(
        "UPDATE incidents SET updated_ms = ?, status = ?, severity = ?, assignee = ?, body = ? WHERE id = ?",
        p);
  }
};

IncidentStore::IncidentStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IncidentStore::~IncidentStore() = default;

Result<std::unique_ptr<IncidentStore>> IncidentStore::Open(std::string_view url, StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  std::string u(url);
  Result<std::unique_ptr<db::Database>> database;
  if (u.starts_with("postgresql://") || u.starts_with("postgres://")) {
    database = db::OpenPostgres(u, impl->options.connect_timeout_s);
  } else {
    if (u.starts_with("sqlite:")) {
      u.erase(0, 7);
      if (u.starts_with("//")) u.erase(0, 2);
    } else if (u.find("://") != std::string::npos) {
      return Unexpected(Status::InvalidArgument("unsupported store URL '" + u.substr(0, u.find("://") + 3) +
                                                "...': use sqlite:PATH or postgresql://..."));
    }
    database = db::OpenSqlite(u, impl->options.busy_timeout_ms);
  }
  if (!database) return Unexpected(database.error());
  impl->database = std::move(*database);
  if (Status st = impl->Migrate(); !st.ok()) return Unexpected(st);
  return std::unique_ptr<IncidentStore>(new IncidentStore(std::move(impl)));
}

std::string IncidentStore::display_name() const { return impl_->database->display_name(); }
std::string_view IncidentStore::dialect() const { return impl_->database->dialect(); }

Result<RecordResult> IncidentStore::Record(const TransferRecord& in, const EvidenceSource* evidence) {
  const Verdict& v = in.verdict;
  if (!v.incident() && in.summary.types.empty() && in.summary.label == Label::kPublic) return RecordResult{};
  const StoreOptions& opt = impl_->options;
  TransferRecord rec = in;
  const std::int64_t now = NowMs();
  if (rec.transfer.time_ms == 0) rec.transfer.time_ms = now;
  if (rec.transfer.id.empty()) rec.transfer.id = "TR-" + NewIncidentId(rec.transfer.time_ms).substr(4);
  RecordResult result;
  result.recorded = true;
  result.transfer_id = rec.transfer.id;

  Incident inc;
  Json created = Json::object();
  if (v.incident()) {
    inc.id = NewIncidentId(rec.transfer.time_ms);
    rec.incident_id = inc.id;
    inc.time_ms = rec.transfer.time_ms;
    inc.transfer = rec.transfer;
    inc.verdict = v;
    inc.summary = rec.summary;
    inc.status = IncidentStatus::kNew;
    inc.updated_ms = now;
    inc.history.push_back({now, opt.system_actor, "created", "", std::string(ActionName(v.action))});
    created["transfer_id"] = rec.transfer.id;
    created["action"] = ActionName(v.action);
    created["severity"] = SeverityName(v.severity);
    created["channel"] = ChannelName(rec.transfer.channel);
    created["user"] = rec.transfer.identity.user;
    Json rules = Json::array();
    for (const auto& m : v.matched) rules.push_back(m.rule);
    created["rules"] = rules;
    created["policy_version"] = v.policy_version;
    if (v.keep_evidence) {
      if (!opt.evidence_key) {
        created["evidence"] = "not kept: no evidence public key configured";
      } else if (evidence == nullptr || !evidence->read) {
        created["evidence"] = "not kept: no content given";
      } else {
        auto ev = impl_->WriteEvidence(inc.id, rec.transfer.time_ms, *evidence);
        if (!ev) return Unexpected(ev.error());
        inc.evidence_id = ev->id;
        result.evidence_id = ev->id;
        result.evidence_truncated = ev->truncated;
        created["evidence_id"] = ev->id;
        created["evidence_bytes"] = ev->stored;
        if (ev->truncated) created["evidence_truncated"] = true;
      }
    }
  }

  PreparedRecord prepared{std::move(rec), std::move(inc), std::move(created), std::move(result), "", ""};
  prepared.record_json = Dump(ToJson(prepared.rec));
  prepared.user = Lower(prepared.rec.transfer.identity.user);
  return impl_->Submit(prepared);
}

Result<Incident> IncidentStore::Get(std::string_view incident_id) {
  return impl_->Run<Incident>([&](Connection& c) { return impl_->LoadIncident(c, incident_id); });
}

Result<std::vector<Incident>> IncidentStore::List(const IncidentFilter& f) {
  // The SQL is assembled from fixed fragments; every value is a bound parameter.
  std::string sql = "SELECT body FROM incidents WHERE 1 = 1";
  std::deque<std::string> keep;  // stable storage for text parameters
  std::vector<Param> params;
  auto text = [&](std::string s) {
    keep.push_back(std::move(s));
    params.push_back(Param::Text(keep.back()));
  };
  if (!f.statuses.empty()) {
    sql += " AND status IN (";
    for (std::size_t i = 0; i < f.statuses.size(); ++i) {
      sql += i ? ", ?" : "?";
      text(std::string(IncidentStatusName(f.statuses[i])));
    }
    sql += ")";
  }
  if (f.min_severity) {
    sql += " AND severity >= ?";
    params.push_back(Param::Int(static_cast<int>(*f.min_severity)));
  }
  if (f.action) {
    sql += " AND action = ?";
    params.push_back(Param::Int(static_cast<int>(*f.action)));
  }
  if (f.channel) {
    sql += " AND channel = ?";
    text(std::string(ChannelName(*f.channel)));
  }
  if (!f.user.empty()) {
    sql += " AND user_name = ?";
    text(Lower(f.user));
  }
  if (!f.info_type.empty()) {
    sql += " AND types LIKE ? ESCAPE '\\'";
    text(LikeContains("|" + f.info_type + "|"));
  }
  if (f.assignee) {
    sql += " AND assignee = ?";
    text(*f.assignee);
  }
  if (f.since_ms) {
    sql += " AND time_ms >= ?";
    params.push_back(Param::Int(*f.since_ms));
  }
  if (f.until_ms) {
    sql += " AND time_ms < ?";
    params.push_back(Param::Int(*f.until_ms));
  }
  if (!f.text.empty()) {
    sql += " AND search LIKE ? ESCAPE '\\'";
    text(LikeContains(Lower(f.text)));
  }
  sql += " ORDER BY time_ms DESC, id DESC LIMIT ? OFFSET ?";
  params.push_back(Param::Int(f.limit > 0 ? f.limit : 100));
  params.push_back(Param::Int(std::max<std::int64_t>(f.offset, 0)));
  return impl_->Run<std::vector<Incident>>([&](Connection& c) -> Result<std::vector<Incident>> {
    auto rows = c.Query(sql, params);
    if (!rows) return Unexpected(rows.error());
    std::vector<Incident> out;
    out.reserve(rows->size());
    for (const auto& row : *rows) {
      auto j = ParseStored(row[0], "incident");
      if (!j) return Unexpected(j.error());
      auto inc = IncidentFromJson(*j);
      if (!inc) return Unexpected(inc.error());
      out.push_back(std::move(*inc));
    }
    return out;
  });
}

Result<Incident> IncidentStore::Update(std::string_view incident_id, const IncidentUpdate& u) {
  if (u.actor.empty()) return Unexpected(Status::InvalidArgument("an update needs an actor"));
  return impl_->Transaction<Incident>(true, [&](Connection& c) -> Result<Incident> {
    // Take the chain lock first: it also serialises concurrent updates of this incident across nodes.
    if (Status st = c.LockChain(); !st.ok()) return Unexpected(st);
    auto loaded = impl_->LoadIncident(c, incident_id);
    if (!loaded) return Unexpected(loaded.error());
    Incident inc = std::move(*loaded);
    const std::int64_t now = NowMs();
    bool changed = false;
    auto change = [&](std::string field, std::string from, std::string to, Json details) -> Status {
      inc.history.push_back({now, u.actor, field, from, to});
      auto e = impl_->Append(c, u.actor, "incident." + field, inc.id, details);
      changed = true;
      return e ? Status::Ok() : e.error();
    };
    if (u.status && *u.status != inc.status) {
      std::string from(IncidentStatusName(inc.status)), to(IncidentStatusName(*u.status));
      inc.status = *u.status;
      if (Status st = change("status", from, to, {{"from", from}, {"to", to}}); !st.ok())
        return Unexpected(st);
    }
    if (u.assignee && *u.assignee != inc.assignee) {
      std::string from = inc.assignee;
      inc.assignee = *u.assignee;
      if (Status st = change("assignee", from, inc.assignee, {{"from", from}, {"to", inc.assignee}});
          !st.ok())
        return Unexpected(st);
    }
    if (u.severity && *u.severity != inc.verdict.severity) {
      std::string from(SeverityName(inc.verdict.severity)), to(SeverityName(*u.severity));
      inc.verdict.severity = *u.severity;
      if (Status st = change("severity", from, to, {{"from", from}, {"to", to}}); !st.ok())
        return Unexpected(st);
    }
    if (u.root_cause && *u.root_cause != inc.root_cause) {
      std::string from = inc.root_cause;
      inc.root_cause = *u.root_cause;
      if (Status st = change("root_cause", from, inc.root_cause, TextDigest(inc.root_cause)); !st.ok())
        return Unexpected(st);
    }
    if (u.justification && *u.justification != inc.justification) {
      std::string from = inc.justification;
      inc.justification = *u.justification;
      if (Status st = change("justification", from, inc.justification, TextDigest(inc.justification));
          !st.ok())
        return Unexpected(st);
    }
    if (u.note && !u.note->empty()) {
      inc.notes.push_back({now, u.actor, *u.note});
      if (Status st = change("note", "", *u.note, TextDigest(*u.note)); !st.ok()) return Unexpected(st);
    }
    if (!changed) return inc;
    inc.updated_ms = now;
    if (Status st = impl_->StoreIncident(c, inc); !st.ok()) return Unexpected(st);
    return inc;
  });
}

Result<std::vector<TransferRecord>> IncidentStore::ListTransfers(const TransferFilter& f) {
  std::string sql = "SELECT record FROM transfers WHERE 1 = 1";
  std::vector<Param> params;
  if (f.since_ms) {
    sql += " AND time_ms >= ?";
    params.push_back(Param::Int(*f.since_ms));
  }
  if (f.until_ms) {
    sql += " AND time_ms < ?";
    params.push_back(Param::Int(*f.until_ms));
  }
  sql += " ORDER BY time_ms, id LIMIT ? OFFSET ?";
  params.push_back(Param::Int(f.limit > 0 ? f.limit : 1000));
  params.push_back(Param::Int(std::max<std::int64_t>(f.offset, 0)));
  return impl_->Run<std::vector<TransferRecord>>([&](Connection& c) -> Result<std::vector<TransferRecord>> {
    auto rows = c.Query(sql, params);
    if (!rows) return Unexpected(rows.error());
    std::vector<TransferRecord> out;
    for (const auto& row : *rows) {
      auto j = ParseStored(row[0], "transfer record");
      if (!j) return Unexpected(j.error());
      auto r = TransferRecordFromJson(*j);
      if (!r) return Unexpected(r.error());
      out.push_back(std::move(*r));
    }
    return out;
  });
}

Result<std::int64_t> IncidentStore::AppendAudit(std::string_view actor, std::string_view action,
                                                std::string_view object_id, const Json& details) {
  if (actor.empty() || action.empty())
    return Unexpected(Status::InvalidArgument("an audit entry needs an actor and an action"));
  return impl_->Transaction<std::int64_t>(true, [&](Connection& c) -> Result<std::int64_t> {
    auto e = impl_->Append(c, actor, action, object_id, details);
    if (!e) return Unexpected(e.error());
    return e->seq;
  });
}

Result<std::vector<AuditEntry>> IncidentStore::ListAudit(std::int64_t from_seq, std::int64_t limit) {
  std::string sql =
      std::string("SELECT ") + kAuditColumns + " FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?";
  Param p[] = {Param::Int(from_seq), Param::Int(limit > 0 ? limit : 1000)};
  return impl_->Run<std::vector<AuditEntry>>([&](Connection& c) -> Result<std::vector<AuditEntry>> {
    auto rows = c.Query(sql, p);
    if (!rows) return Unexpected(rows.error());
    std::vector<AuditEntry> out;
    for (const auto& r : *rows) out.push_back(EntryFromRow(r));
    return out;
  });
}

Result<AuditReport> IncidentStore::VerifyAudit(const AuditKey* key) {
  if (key == nullptr && impl_->options.audit_key) key = &*impl_->options.audit_key;
  ChainVerifier verifier(key);
  const std::string sql =
      std::string("SELECT ") + kAuditColumns + " FROM audit WHERE seq > ? ORDER BY seq LIMIT 1000";
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  for (;;) {
    Param p[] = {Param::Int(after)};
    auto page = impl_->Run<std::vector<Row>>([&](Connection& c) { return c.Query(sql, p); });
    if (!page) return Unexpected(page.error());
    for (const auto& r : *page) verifier.Feed(EntryFromRow(r));
    if (page->size() < 1000) break;
    after = db::AsInt(page->back()[0]);
  }
  AuditReport report = std::move(verifier.report());
  // Each incident names the seq of its creation entry: one that is gone (typically cut from the end
  // of the chain, which the links alone cannot show) or that now describes something else is caught.
  auto orphans = impl_->Run<std::vector<Row>>([&](Connection& c) {
    return c.Query(
        "SELECT i.id, i.created_seq FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.seq = "
        "i.created_seq AND a.object_id = i.id AND a.action = 'incident.created') ORDER BY i.created_seq "
        "LIMIT 100",
        {});
  });
  if (!orphans) return Unexpected(orphans.error());
  for (const auto& r : *orphans) {
    std::int64_t seq = db::AsInt(r[1]);
    report.Add(seq, "entry seq " + std::to_string(seq) + " (creation of incident " + r[0].value_or("") +
                        ") is " +
                        (seq > report.head_seq ? "missing: entries were removed from the end of the chain"
                                               : "missing or describes another object"));
  }
  std::sort(report.problems.begin(), report.problems.end(),
            [](const AuditProblem& a, const AuditProblem& b) { return a.seq < b.seq; });
  return report;
}

Result<EvidenceInfo> IncidentStore::GetEvidence(std::string_view incident_id) {
  auto inc = Get(incident_id);
  if (!inc) return Unexpected(inc.error());
  if (inc->evidence_id.empty())
    return Unexpected(Status::NotFound("incident " + inc->id + " has no evidence"));
  Param p[] = {Param::Text(inc->evidence_id)};
  return impl_->Run<EvidenceInfo>([&](Connection& c) -> Result<EvidenceInfo> {
    auto rows = c.Query(
        "SELECT id, incident_id, created_ms, stored_bytes, original_bytes, truncated, name, content_type "
        "FROM evidence WHERE id = ?",
        p);
    if (!rows) return Unexpected(rows.error());
    if (rows->empty())
      return Unexpected(Status::NotFound("evidence " + inc->evidence_id + " is missing from the store"));
    const Row& r = (*rows)[0];
    EvidenceInfo info;
    info.id = r[0].value_or("");
    info.incident_id = r[1].value_or("");
    info.created_ms = db::AsInt(r[2]);
    info.stored_bytes = static_cast<std::uint64_t>(db::AsInt(r[3]));
    info.original_bytes = static_cast<std::uint64_t>(db::AsInt(r[4]));
    info.truncated = db::AsInt(r[5]) != 0;
    info.name = r[6].value_or("");
    info.content_type = r[7].value_or("");
    return info;
  });
}

Status IncidentStore::OpenEvidence(std::string_view incident_id, const EvidenceSecretKey& key,
                                   std::string_view actor,
                                   const std::function<Status(std::string_view)>& sink) {
  if (actor.empty()) return Status::InvalidArgument("opening evidence needs an actor");
  auto info = GetEvidence(incident_id);
  if (!info) return info.error();
  // On record first: an attempt with the wrong key is an event an auditor wants to see as well.
  auto logged = impl_->Transaction<bool>(true, [&](Connection& c) -> Result<bool> {
    if (Status st = c.LockChain(); !st.ok()) return Unexpected(st);
    auto inc = impl_->LoadIncident(c, incident_id);
    if (!inc) return Unexpected(inc.error());
    auto e = impl_->Append(c, actor, "evidence.open", inc->id, Json{{"evidence_id", info->id}});
    if (!e) return Unexpected(e.error());
    const std::int64_t now = NowMs();
    inc->history.push_back({now, std::string(actor), "evidence", "", "opened"});
    inc->updated_ms = now;
    if (Status st = impl_->StoreIncident(c, *inc); !st.ok()) return Unexpected(st);
    return true;
  });
  if (!logged) return logged.error();

  Param p[] = {Param::Text(info->id)};
  auto head = impl_->Run<std::vector<Row>>([&](Connection& c) {
    return c.Query("SELECT sealed_key, header, chunks FROM evidence WHERE id = ?", p);
  });
  if (!head) return head.error();
  if (head->empty()) return Status::NotFound("evidence " + info->id + " is missing from the store");
  const Row& h = (*head)[0];
  auto opener =
      EvidenceOpener::Start(key, h[0].value_or(""), h[1].value_or(""), info->id + "\n" + info->incident_id);
  if (!opener) return opener.error();
  const std::int64_t chunks = db::AsInt(h[2]);
  bool last = false;
  for (std::int64_t idx = 0; idx < chunks; ++idx) {
    if (last) return Status::InvalidArgument("evidence " + info->id + " has chunks after its end (tampered)");
    Param q[] = {Param::Text(info->id), Param::Int(idx)};
    auto rows = impl_->Run<std::vector<Row>>([&](Connection& c) {
      return c.Query("SELECT data FROM evidence_chunks WHERE evidence_id = ? AND idx = ?", q);
    });
    if (!rows) return rows.error();
    if (rows->empty() || !(*rows)[0][0])
      return Status::InvalidArgument("evidence " + info->id + " chunk " + std::to_string(idx) +
                                     " is missing");
    auto plain = opener->Pull(*(*rows)[0][0], &last);
    if (!plain) return plain.error();
    if (Status st = sink(*plain); !st.ok()) return st;
  }
  if (!last) return Status::InvalidArgument("evidence " + info->id + " is incomplete (its end is missing)");
  return Status::Ok();
}

std::string DefaultStoreUrl() {
  namespace fs = std::filesystem;
  if (const char* d = std::getenv("LEAKGUARD_DATA_DIR"); d != nullptr && *d != '\0')
    return "sqlite:" + (fs::path(d) / "incidents.db").string();
  std::error_code ec;
  const fs::path system_dir = "/var/lib/leakguard";
  if (fs::is_directory(system_dir, ec) ? ::access(system_dir.c_str(), W_OK) == 0
                                       : ::access("/var/lib", W_OK) == 0)
    return "sqlite:" + (system_dir / "incidents.db").string();
  fs::path base;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x != '\0')
    base = x;
  else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    base = fs::path(home) / ".local" / "share";
  else
    base = ".";
  return "sqlite:" + (base / "leakguard" / "incidents.db").string();
}

}  // namespace leakguard::incident
