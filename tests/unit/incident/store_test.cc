// The IncidentStore conformance suite: every test runs against SQLite and against a real PostgreSQL
// started on loopback for this process (skipped only when PostgreSQL is not installed).

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "incident/store.h"
#include "unit/incident/store_test_support.h"

namespace leakguard::incident {
namespace {

using testing::PgServer;
using testing::SampleRecord;

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      std::string why;
      PgServer* pg = PgServer::Get(&why);
      if (pg == nullptr) GTEST_SKIP() << why;
      url_ = pg->NewDatabaseUrl();
      db_name_ = url_.substr(url_.rfind('/') + 1);
    } else {
      url_ = "sqlite:" + tmp_ / "incidents.db";
    }
  }

  std::unique_ptr<IncidentStore> Open(StoreOptions opt = {}) {
    auto s = IncidentStore::Open(url_, std::move(opt));
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().ToString());
    return s ? std::move(*s) : nullptr;
  }

  // Tampering, bypassing the store.
  void RawExec(const std::string& sql) {
    std::string err = GetParam() == "postgresql" ? PgServer::Exec(url_, sql)
                                                 : testing::SqliteExec(tmp_ / "incidents.db", sql);
    ASSERT_EQ(err, "") << sql;
  }

  // Everything the backend holds on disk / in a dump, for "no value in clear" checks.
  std::string RawContent() {
    if (GetParam() == "postgresql") return PgServer::Get(nullptr)->Dump(db_name_);
    return testing::ReadFile(tmp_ / "incidents.db") + testing::ReadFile(tmp_ / "incidents.db-wal");
  }

  testing::TempDir tmp_;
  std::string url_, db_name_;
};

TEST_P(StoreTest, RecordsIncidentWithTransferAndAuditEntry) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto r = store->Record(SampleRecord(1));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->recorded);
  EXPECT_FALSE(r->duplicate);
  EXPECT_TRUE(r->transfer_id.starts_with("TR-"));
  ASSERT_TRUE(r->incident_id.starts_with("INC-"));
  EXPECT_EQ(r->incident_id.size(), 30u);
  EXPECT_EQ(r->audit_seq, 2);  // seq 1 is store.created

  auto inc = store->Get(r->incident_id);
  ASSERT_TRUE(inc) << inc.error().ToString();
  EXPECT_EQ(inc->id, r->incident_id);
  EXPECT_EQ(inc->status, IncidentStatus::kNew);
  EXPECT_EQ(inc->verdict.action, Action::kBlock);
  EXPECT_EQ(inc->transfer.identity.user, "bob@corp.example");
  EXPECT_EQ(inc->transfer.id, r->transfer_id);
  ASSERT_EQ(inc->verdict.matched.size(), 1u);
  EXPECT_EQ(inc->verdict.matched[0].rule, "default/cards-external");
  ASSERT_EQ(inc->summary.types.size(), 1u);
  EXPECT_EQ(inc->summary.types[0].samples[0], "4111 **** **** 1111");
  ASSERT_EQ(inc->history.size(), 1u);
  EXPECT_EQ(inc->history[0].field, "created");
  EXPECT_EQ(inc->history[0].to, "block");

  auto audit = store->ListAudit(1, 10);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "store.created");
  EXPECT_EQ((*audit)[1].action, "incident.created");
  EXPECT_EQ((*audit)[1].object_id, r->incident_id);
  EXPECT_EQ((*audit)[1].prev_hash, (*audit)[0].hash);

  auto transfers = store->ListTransfers({});
  ASSERT_TRUE(transfers);
  ASSERT_EQ(transfers->size(), 1u);
  EXPECT_EQ((*transfers)[0].incident_id, r->incident_id);
  EXPECT_EQ((*transfers)[0].transfer.destinations[0].host, "gmail.com");

  auto missing = store->Get("INC-NOPE");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, AllowedTransfersAreKeptForReplayWithoutIncident) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto r = store->Record(SampleRecord(2, Action::kAllow));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->recorded);
  EXPECT_EQ(r->incident_id, "");
  TransferRecord empty;  // no findings, public, allowed: nothing worth keeping
  auto none = store->Record(empty);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->recorded);
  auto list = store->List({});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  auto transfers = store->ListTransfers({});
  ASSERT_TRUE(transfers);
  ASSERT_EQ(transfers->size(), 1u);
  EXPECT_EQ((*transfers)[0].verdict.action, Action::kAllow);
  EXPECT_EQ((*transfers)[0].summary.types[0].type, "CREDIT_CARD_NUMBER");
}

TEST_P(StoreTest, RecordIsIdempotentPerTransferId) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto rec = SampleRecord(3);
  rec.transfer.id = "TR-FIXED-1";
  auto a = store->Record(rec);
  auto b = store->Record(rec);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->duplicate);
  EXPECT_TRUE(b->duplicate);
  EXPECT_EQ(a->incident_id, b->incident_id);
  auto list = store->List({});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
}

TEST_P(StoreTest, MetadataThatIsNotUtf8IsStillRecorded) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto rec = SampleRecord(4);
  rec.transfer.identity.user = "caf\xe9@corp.example";  // Latin-1 from an old mail client
  rec.transfer.name = std::string("bad\0name\xff.csv", 14);
  rec.transfer.destinations[0].address = "x\xc3@gmail.com";
  auto r = store->Record(rec);
  ASSERT_TRUE(r) << r.error().ToString();
  auto inc = store->Get(r->incident_id);
  ASSERT_TRUE(inc) << inc.error().ToString();
  EXPECT_TRUE(inc->transfer.identity.user.starts_with("caf"));
  IncidentFilter f;
  f.text = "gmail.com";
  EXPECT_EQ(store->List(f)->size(), 1u);
}

TEST_P(StoreTest, ListFiltersAndOrder) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    auto r = store->Record(SampleRecord(i, i == 7 ? Action::kAudit : Action::kBlock));
    ASSERT_TRUE(r) << r.error().ToString();
    ids.push_back(r->incident_id);
  }
  auto all = store->List({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 12u);
  EXPECT_EQ(all->front().id, ids.back());  // newest first
  EXPECT_EQ(all->back().id, ids.front());

  auto count = [&](IncidentFilter f) {
    auto l = store->List(f);
    EXPECT_TRUE(l) << l.error().ToString();
    return l ? l->size() : 0u;
  };
  IncidentFilter f;
  f.channel = Channel::kMail;
  EXPECT_EQ(count(f), 6u);
  f = {};
  f.user = "ALICE@corp.example";  // case-insensitive
  EXPECT_EQ(count(f), 4u);        // 0, 3, 6, 9
  f = {};
  f.min_severity = Severity::kCritical;
  EXPECT_EQ(count(f), 3u);  // 0, 5, 10
  f = {};
  f.action = Action::kAudit;
  EXPECT_EQ(count(f), 1u);
  f = {};
  f.info_type = "IBAN_CODE";
  EXPECT_EQ(count(f), 3u);  // 0, 4, 8
  f = {};
  f.info_type = "IBAN%";  // wildcards in a filter value are literal
  EXPECT_EQ(count(f), 0u);
  f = {};
  f.text = "PCI/cards";  // rule name, case-insensitive
  EXPECT_EQ(count(f), 6u);
  f = {};
  f.text = "someone11@";  // destination
  EXPECT_EQ(count(f), 1u);
  f = {};
  f.since_ms = SampleRecord(4).transfer.time_ms;
  f.until_ms = SampleRecord(8).transfer.time_ms;
  EXPECT_EQ(count(f), 4u);
  f = {};
  f.limit = 5;
  f.offset = 10;
  EXPECT_EQ(count(f), 2u);
  f = {};
  f.statuses = {IncidentStatus::kResolved};
  EXPECT_EQ(count(f), 0u);
  f.statuses = {IncidentStatus::kResolved, IncidentStatus::kNew};
  EXPECT_EQ(count(f), 12u);

  IncidentUpdate u;
  u.actor = "carol";
  u.assignee = "carol";
  ASSERT_TRUE(store->Update(ids[2], u));
  f = {};
  f.assignee = "carol";
  EXPECT_EQ(count(f), 1u);
  f.assignee = "";
  EXPECT_EQ(count(f), 11u);
}

TEST_P(StoreTest, UpdateAppendsHistoryAndAuditWithActor) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto r = store->Record(SampleRecord(5));
  ASSERT_TRUE(r);
  IncidentUpdate u;
  u.actor = "carol";
  u.status = IncidentStatus::kInProgress;
  u.assignee = "dave";
  u.severity = Severity::kMedium;
  u.note = "called the sender; card 4111111111111111 was a test";
  auto inc = store->Update(r->incident_id, u);
  ASSERT_TRUE(inc) << inc.error().ToString();
  EXPECT_EQ(inc->status, IncidentStatus::kInProgress);
  EXPECT_EQ(inc->assignee, "dave");
  EXPECT_EQ(inc->verdict.severity, Severity::kMedium);
  ASSERT_EQ(inc->notes.size(), 1u);
  EXPECT_EQ(inc->notes[0].author, "carol");

  IncidentUpdate resolve;
  resolve.actor = "dave";
  resolve.status = IncidentStatus::kFalsePositive;
  resolve.root_cause = "test data";
  resolve.assignee = "dave";  // unchanged: no history entry
  ASSERT_TRUE(store->Update(r->incident_id, resolve));

  auto got = store->Get(r->incident_id);
  ASSERT_TRUE(got);
  std::vector<std::string> fields;
  for (const auto& h : got->history) fields.push_back(h.field + ":" + h.actor + ":" + h.from + ">" + h.to);
  EXPECT_EQ(fields[1], "status:carol:new>in_progress");
  EXPECT_EQ(fields[2], "assignee:carol:>dave");
  EXPECT_EQ(fields[3], "severity:carol:critical>medium");
  EXPECT_TRUE(fields[4].starts_with("note:carol:"));
  EXPECT_EQ(fields[5], "status:dave:in_progress>false_positive");
  EXPECT_EQ(fields[6], "root_cause:dave:>test data");
  EXPECT_EQ(fields.size(), 7u);
  EXPECT_EQ(got->root_cause, "test data");

  auto audit = store->ListAudit(1, 100);
  ASSERT_TRUE(audit);
  std::vector<std::string> actions;
  for (const auto& e : *audit) {
    actions.push_back(e.action + "@" + e.actor);
    // Free text is kept in the chain only as a digest.
    EXPECT_EQ(e.details.find("4111111111111111"), std::string::npos) << e.details;
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"store.created@leakguard", "incident.created@leakguard",
                                               "incident.status@carol", "incident.assignee@carol",
                                               "incident.severity@carol", "incident.note@carol",
                                               "incident.status@dave", "incident.root_cause@dave"}));

  // Nothing changes: nothing is written.
  ASSERT_TRUE(store->Update(r->incident_id, resolve));
  EXPECT_EQ(store->ListAudit(1, 100)->size(), audit->size());

  IncidentUpdate anonymous;
  anonymous.status = IncidentStatus::kResolved;
  auto refused = store->Update(r->incident_id, anonymous);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);
  auto unknown = store->Update("INC-UNKNOWN", resolve);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), StatusCode::kNotFound);
  auto report = store->VerifyAudit();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact());
}

TEST_P(StoreTest, ConcurrentWritersFromThreadsAndTwoNodesKeepOneChain) {
  // Two store instances on one database stand for two LeakGuard nodes.
  auto node_a = Open();
  auto node_b = Open();
  ASSERT_TRUE(node_a && node_b);
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      IncidentStore& s = t % 2 ? *node_a : *node_b;
      for (int i = 0; i < 15; ++i) {
        auto r = s.Record(SampleRecord(t * 100 + i));
        if (!r) {
          ++failures;
          ADD_FAILURE() << r.error().ToString();
          continue;
        }
        std::lock_guard lock(mu);
        ids.insert(r->incident_id);
        if (i % 5 == 0) {
          IncidentUpdate u;
          u.actor = "t" + std::to_string(t);
          u.note = "n";
          EXPECT_TRUE(s.Update(r->incident_id, u));
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(ids.size(), 60u);
  IncidentFilter f;
  f.limit = 1000;
  EXPECT_EQ(node_a->List(f)->size(), 60u);
  auto report = node_b->VerifyAudit();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact()) << report->problems.front().what;
  EXPECT_EQ(report->entries, 1 + 60 + 12);
}

TEST_P(StoreTest, ABurstFromManyThreadsIsGroupCommittedWithoutLossOrDuplicates) {
  auto store = Open();
  ASSERT_TRUE(store);
  constexpr int kThreads = 8, kEach = 30;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  std::set<std::int64_t> seqs;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto rec = SampleRecord(t * 1000 + i);
        // Every third record repeats the previous transfer id: it must come back as a duplicate.
        if (i % 3 == 2) rec.transfer.id = "TR-T" + std::to_string(t) + "-" + std::to_string(i - 1);
        if (i % 3 == 1) rec.transfer.id = "TR-T" + std::to_string(t) + "-" + std::to_string(i);
        auto r = store->Record(rec);
        ASSERT_TRUE(r) << r.error().ToString();
        std::lock_guard lock(mu);
        EXPECT_EQ(r->duplicate, i % 3 == 2);
        if (!r->duplicate) {
          EXPECT_TRUE(ids.insert(r->incident_id).second);
          EXPECT_TRUE(seqs.insert(r->audit_seq).second);
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach * 2 / 3));
  auto report = store->VerifyAudit();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact());
  EXPECT_EQ(report->entries, 1 + static_cast<std::int64_t>(ids.size()));
}

TEST_P(StoreTest, SchemaVersionIsRecordedAndNewerStoresAreRefused) {
  { ASSERT_TRUE(Open()); }
  { ASSERT_TRUE(Open()); }  // reopening does not migrate twice
  RawExec("UPDATE schema_version SET version = 99");
  auto s = IncidentStore::Open(url_);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("newer"), std::string::npos) << s.error().ToString();
}

// --- evidence -------------------------------------------------------------------------------------

class EvidenceKeys {
 public:
  EvidenceKeys() {
    EXPECT_TRUE(WriteNewEvidenceKeys(dir_ / "responders").ok());
    pub = *LoadEvidencePublicKey(dir_ / "responders.pub");
    sec = *LoadEvidenceSecretKey(dir_ / "responders.key");
  }
  testing::TempDir dir_;
  EvidencePublicKey pub;
  EvidenceSecretKey sec;
};

TEST_P(StoreTest, EvidenceIsEncryptedAndOpeningIsAudited) {
  EvidenceKeys keys;
  StoreOptions opt;
  opt.evidence_key = keys.pub;
  opt.evidence_chunk_bytes = 4096;
  auto store = Open(opt);
  ASSERT_TRUE(store);
  // A card number that must never appear in clear in the store; plus enough bytes for many chunks.
  std::string content = "Name,Card\nAlice,4111111111111111\n";
  for (int i = 0; content.size() < 100'000; ++i) content += "row " + std::to_string(i) + " lorem ipsum\n";
  auto rec = SampleRecord(9);
  rec.verdict.keep_evidence = true;
  auto src = EvidenceFromMemory(content, "customers.csv", "text/csv");
  auto r = store->Record(rec, &src);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->evidence_id.starts_with("EV-"));
  EXPECT_FALSE(r->evidence_truncated);

  auto info = store->GetEvidence(r->incident_id);
  ASSERT_TRUE(info) << info.error().ToString();
  EXPECT_EQ(info->stored_bytes, content.size());
  EXPECT_EQ(info->name, "customers.csv");

  std::string opened;
  Status st = store->OpenEvidence(r->incident_id, keys.sec, "erin", [&](std::string_view c) {
    opened.append(c);
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(opened, content);

  auto inc = store->Get(r->incident_id);
  ASSERT_TRUE(inc);
  EXPECT_EQ(inc->evidence_id, r->evidence_id);
  EXPECT_EQ(inc->history.back().field, "evidence");
  EXPECT_EQ(inc->history.back().actor, "erin");
  auto audit = store->ListAudit(1, 100);
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->back().action, "evidence.open");
  EXPECT_EQ(audit->back().actor, "erin");
  EXPECT_EQ(audit->back().object_id, r->incident_id);

  // The raw database (SQLite file and WAL, or a pg_dump) never holds the digits.
  std::string raw = RawContent();
  ASSERT_GT(raw.size(), 1000u);
  EXPECT_NE(raw.find(r->incident_id), std::string::npos);  // the dump is real
  EXPECT_EQ(raw.find("4111111111111111"), std::string::npos);
  EXPECT_EQ(raw.find("lorem ipsum"), std::string::npos);
}

TEST_P(StoreTest, EvidenceWithTheWrongKeyFailsAndTheAttemptIsAudited) {
  EvidenceKeys keys, other;
  StoreOptions opt;
  opt.evidence_key = keys.pub;
  auto store = Open(opt);
  ASSERT_TRUE(store);
  auto rec = SampleRecord(10);
  rec.verdict.keep_evidence = true;
  auto src = EvidenceFromMemory("secret content");
  auto r = store->Record(rec, &src);
  ASSERT_TRUE(r);
  Status st = store->OpenEvidence(r->incident_id, other.sec, "mallory",
                                  [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  auto audit = store->ListAudit(1, 100);
  EXPECT_EQ(audit->back().action, "evidence.open");
  EXPECT_EQ(audit->back().actor, "mallory");

  // A chunk moved from other evidence is refused (each chunk is bound to its evidence id).
  auto src2 = EvidenceFromMemory("other content");
  auto r2 = store->Record(rec, &src2);
  ASSERT_TRUE(r2);
  RawExec("UPDATE evidence_chunks SET data = (SELECT data FROM evidence_chunks WHERE evidence_id = '" +
          r2->evidence_id + "' AND idx = 0) WHERE evidence_id = '" + r->evidence_id + "'");
  st = store->OpenEvidence(r->incident_id, keys.sec, "erin", [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
}

TEST_P(StoreTest, EvidenceIsCutAtTheConfiguredMaximum) {
  EvidenceKeys keys;
  StoreOptions opt;
  opt.evidence_key = keys.pub;
  opt.evidence_max_bytes = 10'000;
  opt.evidence_chunk_bytes = 4096;
  auto store = Open(opt);
  ASSERT_TRUE(store);
  std::string content(25'000, 'x');
  auto rec = SampleRecord(11);
  rec.verdict.keep_evidence = true;
  auto src = EvidenceFromMemory(content);
  auto r = store->Record(rec, &src);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->evidence_truncated);
  auto info = store->GetEvidence(r->incident_id);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->truncated);
  EXPECT_EQ(info->stored_bytes, 10'000u);
  EXPECT_EQ(info->original_bytes, 25'000u);
  std::string opened;
  ASSERT_TRUE(store
                  ->OpenEvidence(r->incident_id, keys.sec, "erin",
                                 [&](std::string_view c) {
                                   opened.append(c);
                                   return Status::Ok();
                                 })
                  .ok());
  EXPECT_EQ(opened, content.substr(0, 10'000));

  // Exactly at the maximum: not cut. Empty content: one empty final chunk.
  for (std::size_t size : {std::size_t{10'000}, std::size_t{0}}) {
    std::string exact(size, 'y');
    auto s2 = EvidenceFromMemory(exact);
    auto r2 = store->Record(SampleRecord(12), &s2);
    ASSERT_TRUE(r2);
  }
}

TEST_P(StoreTest, EvidenceIsNotKeptWithoutAKeyOrWhenThePolicyDoesNotAsk) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto rec = SampleRecord(13);
  rec.verdict.keep_evidence = true;
  auto src = EvidenceFromMemory("content");
  auto r = store->Record(rec, &src);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->evidence_id, "");
  auto audit = store->ListAudit(1, 10);
  EXPECT_NE(audit->back().details.find("no evidence public key"), std::string::npos);
  auto none = store->GetEvidence(r->incident_id);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), StatusCode::kNotFound);

  EvidenceKeys keys;
  StoreOptions opt;
  opt.evidence_key = keys.pub;
  auto keyed = Open(opt);
  auto r2 = keyed->Record(SampleRecord(14), &src);  // keep_evidence false
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->evidence_id, "");
}

// --- audit chain ----------------------------------------------------------------------------------

class AuditTamperTest : public StoreTest {
 protected:
  // A chain of 1 + 6 entries (store.created, then incidents 1..6).
  void Fill(StoreOptions opt = {}) {
    store_ = Open(std::move(opt));
    ASSERT_TRUE(store_);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(store_->Record(SampleRecord(20 + i)));
    auto report = store_->VerifyAudit();
    ASSERT_TRUE(report);
    ASSERT_TRUE(report->intact());
    ASSERT_EQ(report->entries, 7);
  }
  AuditReport Verify(const AuditKey* key = nullptr) {
    auto report = store_->VerifyAudit(key);
    EXPECT_TRUE(report) << report.error().ToString();
    return report ? *report : AuditReport{};
  }
  std::unique_ptr<IncidentStore> store_;
};

TEST_P(AuditTamperTest, AlteredEntryIsFoundAtItsSeq) {
  Fill();
  RawExec("UPDATE audit SET actor = 'someone-else' WHERE seq = 4");
  auto r = Verify();
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.problems.front().seq, 4);
  EXPECT_NE(r.problems.front().what.find("altered"), std::string::npos);
}

TEST_P(AuditTamperTest, RemovedMiddleEntryIsFound) {
  Fill();
  RawExec("DELETE FROM audit WHERE seq = 3");
  auto r = Verify();
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.problems.front().seq, 3);
  EXPECT_NE(r.problems.front().what.find("missing"), std::string::npos);
}

TEST_P(AuditTamperTest, SwappedEntriesAreFound) {
  Fill();
  // Swap the contents of seq 3 and 5 (keeping the seq column in order).
  RawExec("UPDATE audit SET seq = -3 WHERE seq = 3");
  RawExec("UPDATE audit SET seq = 3 WHERE seq = 5");
  RawExec("UPDATE audit SET seq = 5 WHERE seq = -3");
  auto r = Verify();
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.problems.front().seq, 3);
}

TEST_P(AuditTamperTest, RemovedTailIsFoundThroughTheIncidents) {
  Fill();
  RawExec("DELETE FROM audit WHERE seq >= 6");
  auto r = Verify();
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.problems.front().seq, 6);
  EXPECT_NE(r.problems.front().what.find("end of the chain"), std::string::npos);
}

TEST_P(AuditTamperTest, RewrittenChainIsFoundOnlyWithTheKey) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteNewAuditKey(dir / "audit.key").ok());
  auto key = LoadAuditKey(dir / "audit.key");
  ASSERT_TRUE(key);
  StoreOptions opt;
  opt.audit_key = *key;
  Fill(opt);
  // An attacker with database access changes entry 4 and recomputes every hash after it.
  auto entries = store_->ListAudit(1, 100);
  ASSERT_TRUE(entries);
  std::string prev = (*entries)[2].hash;
  for (std::size_t i = 3; i < entries->size(); ++i) {
    AuditEntry e = (*entries)[i];
    if (e.seq == 4) e.actor = "someone-else";
    e.prev_hash = prev;
    e.hash = AuditChainHash(prev, CanonicalAuditEntry(e));
    RawExec("UPDATE audit SET actor = '" + e.actor + "', prev_hash = '" + e.prev_hash + "', hash = '" +
            e.hash + "' WHERE seq = " + std::to_string(e.seq));
    prev = e.hash;
  }
  // The links hold again, so without the key the chain looks intact...
  StoreOptions plain;
  auto no_key_store = Open(plain);
  auto without = no_key_store->VerifyAudit(nullptr);
  ASSERT_TRUE(without);
  EXPECT_TRUE(without->intact());
  EXPECT_FALSE(without->macs_checked);
  // ...but every rewritten MAC fails under the key.
  auto r = Verify(&*key);
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.problems.front().seq, 4);
  EXPECT_NE(r.problems.front().what.find("MAC"), std::string::npos);
  EXPECT_TRUE(r.macs_checked);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Backends, AuditTamperTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace leakguard::incident
