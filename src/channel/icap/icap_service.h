// channel/icap/icap_service.h — the ICAP service of `leakguard serve` for web proxies (Squid):
// REQMOD inspects uploads and enforces the policy's verdict, RESPMOD inspects downloads
// (classification and audit). Sans-IO: a Transaction is fed the bytes of one connection and hands
// back the bytes to send; channel/icap/icap_server.h puts it on sockets.
//
// Per REQMOD with a body: the body is spooled (memory up to IcapOptions::spool_memory, then an
// unlinked temporary file, so a 1 GB upload costs little memory), inspected when complete
// (extraction + engine; a multipart/form-data upload is taken apart into its files), summarised and
// decided by the DecisionPoint, which records the incident. Then:
//   allow, audit, alert         204 No Content (or the request echoed when the client did not offer 204)
//   redact                      the request with every finding masked (urlencoded forms, JSON, text)
//                               and Content-Length fixed; content that cannot be rewritten is blocked
//   block, quarantine, encrypt  an HTTP 403 block page: the rule, the incident id, how to get help —
//   justify                     never the sensitive values. For justify the page has a form: the
//                               sender's business justification goes to IcapOptions::justify_url
//                               (serve's POST /v1/justify), is recorded on the incident, and the same
//                               sender may then send to the same host for a while (DecisionPoint::Justify)
// A request without a body (GET) is answered 204 at once. When inspection cannot finish (a limit, a
// timeout, an error), IcapOptions::fail_open decides: the decision gets an "icap/fail-open" or
// "icap/fail-closed" rule, so the choice is recorded on the incident.
//
// Threads: IcapService is shared by all connections; a Transaction belongs to one connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channel/body_spool.h"
#include "channel/icap/icap_parser.h"
#include "channel/stream_server.h"
#include "detect/scanner_pool.h"
#include "extract/limits.h"
#include "incident/decision_point.h"
#include "leakguard/engine.h"

namespace leakguard::channel::icap {

struct IcapOptions {
  std::string reqmod_service = "reqmod";      // icap://HOST:PORT/reqmod
  std::string respmod_service = "respmod";    // icap://HOST:PORT/respmod
  std::uint64_t preview = 4096;               // Preview: offered in OPTIONS
  unsigned max_connections = 1000;            // Max-Connections: (the server enforces it)
  std::size_t spool_memory = 4 << 20;         // body bytes kept in memory; beyond, a temporary file
  std::string spool_dir;                      // "" = $TMPDIR or /tmp
  std::uint64_t max_body = 0;                 // 0: no limit; a larger body is not inspected (fail mode)
  std::uint64_t max_redact_bytes = 16 << 20;  // larger bodies cannot be rewritten: blocked instead
  bool fail_open = false;  // inspection could not finish: let it through (true) or block (false)
  std::string help = "Contact your IT security team and quote the incident id.";  // on block pages
  // Where the justification form posts to, as the user's browser reaches it through the proxy
  // (serve's HTTP API, POST /v1/justify). Empty: the justify page has no form, only the incident id.
  std::string justify_url;
  std::vector<std::string> transfer_ignore;  // file extensions the proxy need not send (OPTIONS)
  extract::Limits limits;
};

// Counters for /metrics.
struct IcapStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> options{0};
  std::atomic<std::uint64_t> no_content{0};  // 204s
  std::atomic<std::uint64_t> blocked{0};
  std::atomic<std::uint64_t> redacted{0};
  std::atomic<std::uint64_t> errors{0};  // ICAP error responses
  std::atomic<std::uint64_t> unfinished{0};
  std::atomic<std::uint64_t> body_bytes{0};
};

class Transaction;

class IcapService {
 public:
  // `decisions` may be null: then nothing is decided or recorded and every message is let through
  // after inspection (serve --inspect-only).
  IcapService(IcapOptions options, std::shared_ptr<const Engine> engine, incident::DecisionPoint* decisions);

  std::unique_ptr<Transaction> NewTransaction(std::string client_address);
  void SwapEngine(std::shared_ptr<const Engine> engine);
  // Changes when the policy or the engine changes (quoted in responses; at most 32 characters).
  std::string istag() const;
  const IcapOptions& options() const { return options_; }
  const IcapStats& stats() const { return stats_; }
  std::string RenderMetrics() const;

 private:
  friend class Transaction;
  IcapOptions options_;
  detect::ScannerPool scanners_;
  std::atomic<std::uint64_t> engine_generation_{0};
  incident::DecisionPoint* decisions_;
  mutable IcapStats stats_;
};

// One connection's requests, one after the other. Feed bytes with Feed(); after each call, send what
// TakeOutput() returns, then (when has_more_output()) keep calling TakeOutput() — a large echoed body
// comes in pieces — before feeding more. close_after_output() says the connection must be closed
// once the output is sent (after a protocol error).
class Transaction : public StreamSession, private Parser::Handler {
 public:
  Transaction(IcapService& service, std::string client_address);
  ~Transaction() override;

  // Returns the bytes of `data` used; the rest (the next request) is to be fed again after the output
  // of this one is sent. Never fails: protocol errors become ICAP error responses.
  std::size_t Feed(std::string_view data) override;
  std::string TakeOutput() override;
  bool has_more_output() const override;
  bool close_after_output() const override { return close_; }
  bool idle() const override { return parser_.idle() && !has_more_output(); }

 private:
  Status OnHead(const RequestHead& head) override;
  Status OnBody(std::string_view data) override;
  Status OnPreviewEnd() override;
  Status OnEnd() override;

  void Respond();
  void RespondReqmod(bool allow_204);
  void SendBlockPage(const Verdict& verdict, const std::string& incident_id, std::string_view reason,
                     std::string_view form_html = {});
  void SendJustifyPage(const Verdict& verdict, const std::string& incident_id, const Transfer& transfer);
  void SendUnchanged(bool allow_204);
  bool TryRedact();
  Transfer BuildTransfer() const;
  // The encapsulated HTTP head whose body the message carries: the request (REQMOD) or the response
  // (RESPMOD); null when absent.
  const HttpHead* BodyHead() const;
  void Fail(int status, std::string_view reason);

  IcapService& service_;
  std::string client_;
  Parser parser_;
  RequestHead head_;
  std::unique_ptr<BodySpool> spool_;
  std::string output_;
  std::uint64_t echo_offset_ = 0;  // next spooled byte to echo (SendUnchanged without 204)
  bool echoing_ = false;
  bool close_ = false;
  bool continued_ = false;   // 100 Continue was sent: the preview is over
  bool unfinished_ = false;  // the body exceeded max_body or could not be spooled
  std::string unfinished_reason_;
};

}  // namespace leakguard::channel::icap
