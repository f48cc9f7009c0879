// channel/milter/milter_service.h — the mail channel of `leakguard serve`: a milter (the Sendmail /
// Postfix mail filter protocol, milter_codec.h) that inspects every message and enforces the policy
// (docs/integrations/postfix.md). Sans-IO: a MilterSession is one MTA connection; the stream server
// (channel/stream_server.h) puts it on a socket.
//
// Each message is one transfer: the envelope sender, the authenticated user ({auth_authen}) or the
// sender as identity, the client address, every recipient as a destination, the subject as its name.
// Headers and body are spooled (memory, then a temporary file) and inspected whole at end of message
// (extraction takes the MIME structure and every attachment apart). The policy decides once for the
// message (recorded as one incident, all matched rules) and once per recipient, so a message to an
// internal and a personal address can go to the first and not the second. At end of message:
//   allow, audit, alert   delivered
//   block                 the violating recipients are removed when others may still receive it
//                         (MilterOptions::remove_recipients), else rejected: "550 5.7.1 ... incident ID"
//   quarantine, justify   held in the MTA's quarantine (Postfix: the hold queue), reason on record
//   redact                the values in text parts masked and every attachment holding some replaced
//                         by a notice (mail_redact.h); the redacted message is inspected again and
//                         rejected if the policy would still redact it
//   encrypt               an "X-LeakGuard-Encrypt: required" header for the MTA to route on
// and, for the actions MilterOptions::notify lists (alert by default), a notification mail to the
// sender or others (mail_notifier.h), sent in the background — never for a message that carries
// Auto-Submitted, so LeakGuard's own notices passing through the same MTA do not loop.
// Every delivered message gets an "X-LeakGuard: action=...; label=...; incident=..." header. When
// inspection cannot finish, fail_open decides: delivered (recorded as icap-style "milter/fail-open")
// or "451 4.7.1" (tempfail: the MTA retries later).
//
// Threads: MilterService is shared; a MilterSession belongs to one connection.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "channel/body_spool.h"
#include "channel/milter/mail_notifier.h"
#include "channel/milter/mail_redact.h"
#include "channel/milter/milter_codec.h"
#include "channel/stream_server.h"
#include "detect/scanner_pool.h"
#include "extract/limits.h"
#include "incident/decision_point.h"

namespace leakguard::channel::milter {

struct MilterOptions {
  std::size_t spool_memory = 4 << 20;  // message bytes kept in memory; beyond, a temporary file
  std::string spool_dir;               // "" = $TMPDIR or /tmp
  std::uint64_t max_message = 0;       // 0: no limit; larger messages are not inspected (fail mode)
  std::uint64_t max_redact_bytes = 16 << 20;
  bool fail_open = false;         // inspection could not finish: deliver (true) or tempfail 451 (false)
  bool remove_recipients = true;  // block: drop only the violating recipients when others remain
  std::string reject_text = "Message blocked by the data protection policy";
  std::string redact_notice = std::string(RedactRequest::kDefaultNotice);  // see mail_redact.h
  NotifyOptions notify;  // notification mail (mail_notifier.h); off unless enabled
  extract::Limits limits;
};

struct MilterStats {
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> recipients_removed{0};
  std::atomic<std::uint64_t> quarantined{0};
  std::atomic<std::uint64_t> redacted{0};
  std::atomic<std::uint64_t> attachments_removed{0};
  std::atomic<std::uint64_t> redact_failed{0};
  std::atomic<std::uint64_t> tempfailed{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> notices_skipped{0};
};

class MilterService {
 public:
  // `decisions` may be null (serve --inspect-only): messages are inspected and marked, never stopped.
  MilterService(MilterOptions options, std::shared_ptr<const Engine> engine,
                incident::DecisionPoint* decisions);
  std::unique_ptr<StreamSession> NewSession(std::string peer);
  void SwapEngine(std::shared_ptr<const Engine> engine) { scanners_.SwapEngine(std::move(engine)); }
  const MilterOptions& options() const { return options_; }
  std::string RenderMetrics() const;
  MailNotifier* notifier() { return notifier_.get(); }  // null without notify

 private:
  friend class MilterSession;
  MilterOptions options_;
  detect::ScannerPool scanners_;
  incident::DecisionPoint* decisions_;
  mutable MilterStats stats_;
  std::unique_ptr<MailNotifier> notifier_;
};

class MilterSession : public StreamSession {
 public:
  MilterSession(MilterService& service, std::string peer);
  std::size_t Feed(std::string_view data) override;
  std::string TakeOutput() override;
  bool has_more_output() const override { return !output_.empty(); }
  bool close_after_output() const override { return close_; }
  bool idle() const override { return decoder_.idle() && !in_message_; }

 private:
  void Handle(const Packet& p);
  void ResetMessage();
  void EndOfMessage();
  Transfer BuildTransfer() const;
  std::string Macro(std::string_view name) const;
  // Findings per part key ("attachment[2]") and type, by confidence (low, medium, high).
  using PartCounts = std::map<std::string, std::map<std::string, std::array<std::uint32_t, 3>>, std::less<>>;
  bool AutoSubmitted() const;
  void Notify(const Transfer& transfer, const FindingsSummary& summary, const Verdict& verdict,
              const std::string& incident);
  bool Redact(const Transfer& transfer, const FindingsSummary& summary, const PartCounts& parts,
              const std::string& incident);

  MilterService& service_;
  std::string peer_;
  Decoder decoder_;
  std::string output_;
  bool close_ = false;
  bool in_message_ = false;
  std::uint32_t mta_actions_ = 0;
  std::uint32_t mta_protocol_ = 0;
  Connect connect_;
  std::map<std::string, std::string> macros_;  // every macro seen on this connection, latest value
  std::string mail_from_;
  std::vector<std::string> rcpts_;  // as the MTA sent them ("<bob@example.com>")
  std::vector<std::pair<std::string, std::string>> headers_;
  std::unique_ptr<BodySpool> spool_;
  bool too_large_ = false;
};

}  // namespace leakguard::channel::milter
