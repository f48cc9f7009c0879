// channel/milter/mail_notifier.h — notification mail about a message the policy flagged (the alert
// action, or any action listed in `notify.actions`): to the envelope sender ("sender"), fixed
// addresses (a manager, the security team) and the `mailto:` targets of the matched rules.
//
// The notice names the incident id, the action, the matched rules, the info types with their counts,
// the label and the recipients' domains — never a value from the message, not even masked, and not
// its subject (which may hold one). It carries `Auto-Submitted: auto-generated` (RFC 3834) and goes
// out with the null envelope sender (MAIL FROM:<>), so it cannot bounce back into a loop; the milter
// sends no notice about a message that carries Auto-Submitted (other than "no").
//
// Delivery is asynchronous: Notify() only queues (bounded; a full queue drops the notice and counts
// it), one worker thread sends through the configured relay with the SMTP client (smtp_client.h),
// retrying temporary failures with exponential backoff. The milter session never waits for it.
//
// Threads: Notify and RenderMetrics from any thread. The destructor stops the worker: notices still
// queued get one attempt each for up to `drain` before they are counted as dropped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "channel/milter/smtp_client.h"
#include "leakguard/transfer.h"
#include "leakguard/verdict.h"

namespace leakguard::channel::milter {

struct NotifyOptions {
  bool enabled = false;
  SmtpOptions smtp;
  std::string from;             // the notice's From: header (required)
  std::vector<std::string> to;  // addresses, or "sender" for the flagged message's envelope sender
  // {incident}, {action}: filled in.
  std::string subject = "LeakGuard: a message you sent was flagged (incident {incident})";
  std::vector<Action> actions = {Action::kAlert};  // verdicts that send a notice
  bool rule_targets = true;                        // also the matched rules' "mailto:" targets
  std::size_t queue = 1000;                        // notices waiting at most
  unsigned retries = 3;                            // further attempts after a temporary failure
  std::chrono::milliseconds backoff{2000};         // before the first retry; doubled for each next
  std::chrono::milliseconds drain{5000};           // at shutdown, for notices still queued
  std::function<void(std::string_view)> log;       // failures (no message content); may be empty
};

// What a notice says about one flagged message.
struct NoticeFacts {
  std::string incident;
  Action action = Action::kAlert;
  Label label = Label::kPublic;
  std::vector<std::string> rules;                            // "<policy>/<rule id>"
  std::vector<std::pair<std::string, std::uint64_t>> types;  // info type, findings
  std::vector<std::string> recipient_domains;
  std::string sender;                     // envelope sender ("" for a bounce)
  std::string message_id;                 // of the flagged message, when it had one
  std::vector<std::string> rule_targets;  // "mailto:" targets of the matched rules (the prefix removed)
};

// The notice as a whole message (header block, blank line, body; CRLF). `to` its recipients; `date`
// an RFC 5322 date; `id` the local part of its Message-ID.
std::string ComposeNotice(const NotifyOptions& options, const NoticeFacts& facts,
                          const std::vector<std::string>& to, std::string_view date, std::string_view id);

// The recipients of a notice: `options.to` ("sender" resolved to facts.sender when it is an address)
// plus the rule targets, each once (case-insensitively), CR/LF-free.
std::vector<std::string> NoticeRecipients(const NotifyOptions& options, const NoticeFacts& facts);

class MailNotifier {
 public:
  explicit MailNotifier(NotifyOptions options);
  ~MailNotifier();
  MailNotifier(const MailNotifier&) = delete;
  MailNotifier& operator=(const MailNotifier&) = delete;

  // Queues a notice when facts.action is one of options.actions. False when none was queued (another
  // action, no recipient, or the queue full — the last counted as dropped).
  bool Notify(const NoticeFacts& facts);
  const NotifyOptions& options() const { return options_; }
  std::string RenderMetrics() const;
  // Waits until nothing is queued or being sent (tests); false on timeout.
  bool WaitIdle(std::chrono::milliseconds timeout);

 private:
  struct Item {
    SmtpMessage message;
    std::string incident;
  };
  void Run();
  void Send(Item& item, bool draining);

  NotifyOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;  // work or stop for the worker; idle for WaitIdle
  std::deque<Item> queue_;      // guarded by mu_
  bool busy_ = false;           // guarded by mu_: the worker is sending one
  bool stop_ = false;           // guarded by mu_
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> retried_{0};
  std::thread worker_;
};

}  // namespace leakguard::channel::milter
