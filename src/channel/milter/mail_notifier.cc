#include "channel/milter/mail_notifier.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <random>

#include "core/ascii.h"

namespace leakguard::channel::milter {
namespace {

// Header-safe: no CR, LF or NUL.
std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
  return out;
}

std::string Fill(std::string_view text, const NoticeFacts& facts) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text.substr(i, 10) == "{incident}") {
      out += facts.incident.empty() ? "not recorded" : facts.incident;
      i += 10;
    } else if (text.substr(i, 8) == "{action}") {
      out += ActionName(facts.action);
      i += 8;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string_view Outcome(Action a) {
  switch (a) {
    case Action::kAllow:
    case Action::kAudit:
    case Action::kAlert:
      return "the message was delivered";
    case Action::kEncrypt:
      return "the message was sent on for encryption";
    case Action::kRedact:
      return "the message was delivered with the sensitive values removed, or refused when they could not be";
    case Action::kJustify:
    case Action::kQuarantine:
      return "the message is held for review";
    case Action::kBlock:
      return "the message was not delivered to the recipients the policy stops";
  }
  return "";
}

std::string RfcDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// "a, b, c" (appended piecewise: GCC 12 warns falsely, -Wrestrict, on `", " + std::string`).
void AppendListItem(std::string& list, std::string_view item) {
  if (!list.empty()) list += ", ";
  list += item;
}

std::string DomainOf(std::string_view address) {
  std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? "leakguard.invalid" : std::string(address.substr(at + 1));
}

}  // namespace

std::vector<std::string> NoticeRecipients(const NotifyOptions& options, const NoticeFacts& facts) {
  std::vector<std::string> out;
  auto add = [&](std::string_view address) {
    std::string a = OneLine(address);
    a.erase(std::remove(a.begin(), a.end(), ' '), a.end());
    if (a.empty() || a.find('@') == std::string::npos) return;
    for (const std::string& have : out)
      if (EqualsIgnoreCase(have, a)) return;
    out.push_back(std::move(a));
  };
  for (const std::string& to : options.to) add(to == "sender" ? std::string_view(facts.sender) : to);
  if (options.rule_targets)
    for (const std::string& t : facts.rule_targets) add(t);
  return out;
}

std::string ComposeNotice(const NotifyOptions& options, const NoticeFacts& facts,
                          const std::vector<std::string>& to, std::string_view date, std::string_view id) {
  std::string m;
  auto header = [&m](std::string_view name, std::string_view value) {
    m.append(name).append(": ").append(OneLine(value)).append("\r\n");
  };
  std::string to_list;
  for (const std::string& t : to) AppendListItem(to_list, t);
  header("From", options.from);
  header("To", to_list);
  header("Subject", Fill(options.subject, facts));
  header("Date", date);
  std::string message_id(1, '<');
  message_id.append(id).append("@").append(DomainOf(options.from)).append(">");
  header("Message-ID", message_id);
  header("Auto-Submitted", "auto-generated");
  header("X-LeakGuard-Notice", facts.incident.empty() ? "not recorded" : facts.incident);
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=utf-8");
  header("Content-Transfer-Encoding", "8bit");
  m += "\r\n";

  auto line = [&m](std::string_view label, std::string_view value) {
    m.append(label).append(OneLine(value)).append("\r\n");
  };
  m += "LeakGuard, the data protection filter, flagged a message.\r\n\r\n";
  line("Incident:    ", facts.incident.empty() ? "not recorded" : facts.incident);
  line("Action:      ",
       std::string(ActionName(facts.action)) + " (" + std::string(Outcome(facts.action)) + ")");
  line("Sender:      ", facts.sender.empty() ? "(none)" : facts.sender);
  std::string domains;
  for (const std::string& d : facts.recipient_domains) AppendListItem(domains, d);
  line("Recipients:  ", domains.empty() ? "(none)" : "at " + domains);
  if (!facts.message_id.empty()) line("Message-ID:  ", facts.message_id);
  std::string rules;
  for (const std::string& r : facts.rules) AppendListItem(rules, r);
  line("Rules:       ", rules.empty() ? "(none)" : rules);
  std::string types;
  for (const auto& [type, count] : facts.types) {
    AppendListItem(types, type);
    types += " x" + std::to_string(count);
  }
  line("Found:       ", types.empty() ? "(no info types)" : types);
  line("Label:       ", LabelName(facts.label));
  m += "\r\nThe message's content is not part of this notice. Quote the incident id when you contact\r\n"
       "your security team about it.\r\n";
  return m;
}

MailNotifier::MailNotifier(NotifyOptions options) : options_(std::move(options)) {
  worker_ = std::thread([this] { Run(); });
}

MailNotifier::~MailNotifier() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

bool MailNotifier::Notify(const NoticeFacts& facts) {
  if (std::find(options_.actions.begin(), options_.actions.end(), facts.action) == options_.actions.end())
    return false;
  std::vector<std::string> to = NoticeRecipients(options_, facts);
  if (to.empty()) return false;
  static std::atomic<std::uint64_t> sequence{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  const std::string id = "leakguard." + (facts.incident.empty() ? "notice" : facts.incident) + "." +
                         std::to_string(++sequence) + "." + std::to_string(random() % 1000000000);
  Item item;
  item.incident = facts.incident;
  item.message.recipients = to;
  item.message.data = ComposeNotice(options_, facts, to, RfcDate(), id);
  {
    std::lock_guard lock(mu_);
    if (stop_ || queue_.size() >= options_.queue) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(item));
  }
  cv_.notify_all();
  return true;
}

void MailNotifier::Run() {
  std::unique_lock lock(mu_);
  std::chrono::steady_clock::time_point drain_until{};
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_ && drain_until == std::chrono::steady_clock::time_point{})
      drain_until = std::chrono::steady_clock::now() + options_.drain;
    if (queue_.empty()) return;  // stopping, nothing left
    if (stop_ && std::chrono::steady_clock::now() >= drain_until) {
      dropped_ += queue_.size();
      queue_.clear();
      cv_.notify_all();
      return;
    }
    Item item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    const bool draining = stop_;
    lock.unlock();
    Send(item, draining);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void MailNotifier::Send(Item& item, bool draining) {
  auto delay = options_.backoff;
  for (unsigned attempt = 0;; ++attempt) {
    SendResult r = SendMail(options_.smtp, item.message);
    if (r.status.ok()) {
      ++sent_;
      if (!r.refused.empty() && options_.log)
        options_.log("notice for incident " + item.incident + ": " + std::to_string(r.refused.size()) +
                     " recipient(s) refused by the relay");
      return;
    }
    const bool again = r.retry && attempt < options_.retries && !draining;
    if (!again) {
      ++failed_;
      if (options_.log)
        options_.log("notice for incident " + item.incident + " not sent: " + r.status.message());
      return;
    }
    ++retried_;
    // Back off; a stop cuts the wait short (the notice gets its one last attempt in the drain).
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, delay, [this] { return stop_; })) draining = true;
    delay *= 2;
  }
}

bool MailNotifier::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

std::string MailNotifier::RenderMetrics() const {
  std::string out;
  AppendPrometheusCounter(out, "leakguard_milter_notices_sent_total", "Notification mails the relay took.",
                          sent_.load());
  AppendPrometheusCounter(out, "leakguard_milter_notices_failed_total",
                          "Notification mails not sent (refused, or still failing after the retries).",
                          failed_.load());
  AppendPrometheusCounter(out, "leakguard_milter_notices_dropped_total",
                          "Notification mails dropped (queue full, or still queued at shutdown).",
                          dropped_.load());
  AppendPrometheusCounter(out, "leakguard_milter_notice_retries_total",
                          "Further attempts after a temporary failure.", retried_.load());
  return out;
}

}  // namespace leakguard::channel::milter
