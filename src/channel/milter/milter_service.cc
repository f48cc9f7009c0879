#include "channel/milter/milter_service.h"

#include <algorithm>

#include "channel/inspect.h"
#include "core/ascii.h"
#include "policy/content_summary.h"

namespace leakguard::channel::milter {
namespace {}  // namespace

MilterService::MilterService(MilterOptions options, std::shared_ptr<const Engine> engine,
                             incident::DecisionPoint* decisions)
    : options_(std::move(options)), scanners_(std::move(engine)), decisions_(decisions) {}

std::unique_ptr<StreamSession> MilterService::NewSession(std::string peer) {
  return std::make_unique<MilterSession>(*this, std::move(peer));
}

std::string MilterService::RenderMetrics() const {
  std::string out;
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t v) {
    AppendPrometheusCounter(out, name, help, v);
  };
  counter("leakguard_milter_messages_total", "Messages inspected by the milter.", stats_.messages.load());
  counter("leakguard_milter_rejected_total", "Messages rejected (550 5.7.1).", stats_.rejected.load());
  counter("leakguard_milter_recipients_removed_total", "Recipients removed from messages.",
          stats_.recipients_removed.load());
  counter("leakguard_milter_quarantined_total", "Messages put in the MTA's quarantine.",
          stats_.quarantined.load());
  counter("leakguard_milter_redacted_total", "Messages delivered with masked values.",
          stats_.redacted.load());
  counter("leakguard_milter_tempfailed_total", "Messages answered 451 (inspection could not finish).",
          stats_.tempfailed.load());
  counter("leakguard_milter_protocol_errors_total", "Milter connections closed on a protocol error.",
          stats_.protocol_errors.load());
  return out;
}

MilterSession::MilterSession(MilterService& service, std::string peer)
    : service_(service), peer_(std::move(peer)) {}

std::size_t MilterSession::Feed(std::string_view data) {
  if (close_) return data.size();
  std::vector<Packet> packets;
  Status s = decoder_.Feed(data, packets);
  for (const Packet& p : packets) {
    if (close_) break;
    Handle(p);
  }
  if (!s.ok()) {
    ++service_.stats_.protocol_errors;
    close_ = true;
  }
  return data.size();
}

std::string MilterSession::TakeOutput() { return std::exchange(output_, std::string()); }

std::string MilterSession::Macro(std::string_view name) const {
  auto it = macros_.find(std::string(name));
  return it == macros_.end() ? std::string() : it->second;
}

void MilterSession::ResetMessage() {
  in_message_ = false;
  mail_from_.clear();
  rcpts_.clear();
  headers_.clear();
  spool_.reset();
  body_offset_ = 0;
  too_large_ = false;
}

void MilterSession::Handle(const Packet& p) {
  const MilterOptions& o = service_.options_;
  auto append = [&](std::string_view bytes) {
    if (too_large_ || !spool_) return;
    if (o.max_message > 0 && spool_->size + bytes.size() > o.max_message) {
      too_large_ = true;
      return;
    }
    if (!spool_->Append(bytes).ok()) too_large_ = true;
  };
  auto fail = [&] {
    ++service_.stats_.protocol_errors;
    close_ = true;
  };
  switch (p.command) {
    case cmd::kOptNeg: {
      auto mta = ParseOptNeg(p.data);
      if (!mta) return fail();
      mta_actions_ = mta->actions;
      mta_protocol_ = mta->protocol;
      OptNeg ours;
      ours.version = std::min<std::uint32_t>(kVersion, mta->version);
      ours.actions = mta->actions & (action::kAddHeaders | action::kChangeBody | action::kDelRcpt |
                                     action::kChangeHeaders | action::kQuarantine);
      // Leave out what we do not need, when the MTA allows it.
      ours.protocol = mta->protocol & (protocol::kNoHelo | protocol::kNoUnknown | protocol::kNoData);
      output_ += EncodeOptNeg(ours);
      return;
    }
    case cmd::kMacro: {
      auto m = ParseMacros(p.data);
      if (!m) return fail();
      for (auto& [name, value] : m->values) macros_[name] = value;
      return;
    }
    case cmd::kConnect: {
      auto c = ParseConnect(p.data);
      if (!c) return fail();
      connect_ = std::move(*c);
      output_ += Encode(reply::kContinue);
      return;
    }
    case cmd::kHelo:
    case cmd::kData:
    case cmd::kUnknown:
      output_ += Encode(reply::kContinue);
      return;
    case cmd::kMail: {
      auto a = ParseStrings(p.data);
      if (!a) return fail();
      ResetMessage();
      in_message_ = true;
      mail_from_ = StripAngles(a->front());
      spool_ = std::make_unique<BodySpool>(o.spool_memory, o.spool_dir);
      output_ += Encode(reply::kContinue);
      return;
    }
    case cmd::kRcpt: {
      auto a = ParseStrings(p.data);
      if (!a) return fail();
      rcpts_.push_back(a->front());
      output_ += Encode(reply::kContinue);
      return;
    }
    case cmd::kHeader: {
      auto h = ParseHeader(p.data);
      if (!h) return fail();
      std::string line = h->first + ":" +
                         (h->second.starts_with(' ') || h->second.starts_with('\t') ? "" : " ") + h->second +
                         "\r\n";
      append(line);
      headers_.push_back(std::move(*h));
      output_ += Encode(reply::kContinue);
      return;
    }
    case cmd::kEoh:
      append("\r\n");
      if (spool_) body_offset_ = spool_->size;
      output_ += Encode(reply::kContinue);
      return;
    case cmd::kBody:
      append(p.data);
      output_ += Encode(reply::kContinue);
      return;
    case cmd::kEob:
      EndOfMessage();
      ResetMessage();
      return;
    case cmd::kAbort:
      ResetMessage();
      return;
    case cmd::kQuitNewConnection:
      ResetMessage();
      macros_.clear();
      connect_ = {};
      return;
    case cmd::kQuit:
      close_ = true;
      return;
    default:
      return fail();
  }
}

Transfer MilterSession::BuildTransfer() const {
  Transfer t;
  t.channel = Channel::kMail;
  t.direction = "out";
  const std::string auth = Macro("{auth_authen}");
  t.identity.user = !auth.empty() ? auth : mail_from_;
  t.identity.client_ip = connect_.address;
  t.identity.host = connect_.hostname;
  t.source = "smtp:" + (connect_.address.empty() ? peer_ : connect_.address);
  for (const std::string& r : rcpts_) t.destinations.push_back(DestinationFromString(StripAngles(r)));
  for (const auto& [name, value] : headers_) {
    if (EqualsIgnoreCase(name, "Subject") && t.name.empty())
      t.name =
          value.substr(value.find_first_not_of(" \t") == std::string::npos ? value.size()
                                                                           : value.find_first_not_of(" \t"));
    if (EqualsIgnoreCase(name, "Content-Type") && t.content_type.empty()) t.content_type = value;
    if (EqualsIgnoreCase(name, "Message-ID")) t.attributes["message_id"] = value;
  }
  t.attributes["mail_from"] = mail_from_;
  if (std::string q = Macro("i"); !q.empty()) t.attributes["queue_id"] = q;
  t.bytes = spool_ ? spool_->size : 0;
  return t;
}

bool MilterSession::Redact(std::string& new_body) {
  if (!spool_ || spool_->size - body_offset_ > service_.options_.max_redact_bytes) return false;
  std::string_view body = spool_->View().substr(static_cast<std::size_t>(body_offset_));
  auto lease = service_.scanners_.Acquire();
  ScanOptions so;
  so.min_confidence = Confidence::kMedium;
  auto found = lease->ScanBlock(body, so);
  if (!found) return false;
  std::size_t pos = 0;
  for (const Finding& f : *found) {
    if (f.start < pos || f.end > body.size()) continue;
    new_body.append(body.substr(pos, f.start - pos));
    new_body += f.masked;
    pos = f.end;
  }
  new_body.append(body.substr(pos));
  return true;
}

void MilterSession::EndOfMessage() {
  ++service_.stats_.messages;
  const MilterOptions& o = service_.options_;
  incident::DecisionPoint* decisions = service_.decisions_;
  std::shared_ptr<const classify::Classifier> classifier = decisions ? decisions->classifier() : nullptr;
  policy::SummaryBuilder builder(classifier.get());
  std::string unfinished;
  if (too_large_) {
    unfinished = "message larger than the milter max_message limit or not spooled";
  } else if (spool_) {
    SpoolSource source(*spool_);
    Status s = InspectForPolicy(service_.scanners_, source, "message.eml", o.limits, builder);
    if (!s.ok()) unfinished = s.ToString();
  }
  FindingsSummary summary = builder.Finish();
  if (!unfinished.empty()) {
    summary.complete = false;
    if (summary.incomplete_reason.empty()) summary.incomplete_reason = unfinished;
  }
  const bool fail_mode = !summary.complete;
  Transfer transfer = BuildTransfer();

  auto header = [&](const Verdict& v, const std::string& incident) {
    std::string value =
        "action=" + std::string(ActionName(v.action)) + "; label=" + std::string(LabelName(v.label));
    if (!incident.empty()) value += "; incident=" + incident;
    if (!summary.complete) value += "; inspected=partial";
    if ((mta_actions_ & action::kAddHeaders) != 0) output_ += EncodeAddHeader("X-LeakGuard", value);
  };
  auto tempfail = [&] {
    ++service_.stats_.tempfailed;
    output_ += EncodeReplyCode("451", "4.7.1",
                               "Message could not be checked by the data protection policy; try again later");
  };

  if (decisions == nullptr) {
    if (fail_mode && !o.fail_open) return tempfail();
    Verdict v;
    v.label = summary.label;
    header(v, "");
    output_ += Encode(reply::kContinue);
    return;
  }
  std::optional<RuleMatch> imposed;
  if (fail_mode) {
    imposed = RuleMatch{o.fail_open ? "milter/fail-open" : "milter/fail-closed",
                        o.fail_open ? Action::kAudit : Action::kBlock,
                        Severity::kMedium,
                        "inspection did not finish (" + summary.incomplete_reason + "); " +
                            (o.fail_open ? "delivered (fail-open)" : "refused for now (fail-closed, 451)"),
                        {},
                        false};
  }
  // Per recipient first (no record): which recipients the policy would stop on their own.
  std::vector<Action> per_rcpt;
  const auto bundle = decisions->policy();
  for (const Destination& d : transfer.destinations) {
    Transfer one = transfer;
    one.destinations = {d};
    per_rcpt.push_back(bundle->Decide(one, summary).action);
  }
  std::vector<incident::ContentItem> content;
  if (spool_ && !too_large_) content.push_back({transfer.name, spool_->View()});
  auto decided = decisions->Decide(transfer, summary, content, imposed ? &*imposed : nullptr);
  if (!decided) {
    if (o.fail_open) {
      Verdict v;
      v.label = summary.label;
      header(v, "");
      output_ += Encode(reply::kContinue);
    } else {
      tempfail();
    }
    return;
  }
  const Verdict& v = decided->verdict;
  const std::string& id = decided->incident_id;
  if (fail_mode && !o.fail_open) return tempfail();
  switch (v.action) {
    case Action::kAllow:
    case Action::kAudit:
    case Action::kAlert:
      header(v, id);
      output_ += Encode(reply::kContinue);
      return;
    case Action::kEncrypt:
      header(v, id);
      if ((mta_actions_ & action::kAddHeaders) != 0)
        output_ += EncodeAddHeader("X-LeakGuard-Encrypt", "required");
      output_ += Encode(reply::kContinue);
      return;
    case Action::kQuarantine:
    case Action::kJustify:
      if ((mta_actions_ & action::kQuarantine) != 0) {
        ++service_.stats_.quarantined;
        header(v, id);
        output_ += EncodeQuarantine("LeakGuard " + std::string(ActionName(v.action)) + " incident " + id);
        output_ += Encode(reply::kContinue);
        return;
      }
      break;  // the MTA cannot quarantine: reject
    case Action::kRedact: {
      std::string body;
      if ((mta_actions_ & action::kChangeBody) != 0 && Redact(body)) {
        ++service_.stats_.redacted;
        header(v, id);
        output_ += EncodeReplaceBody(body);
        output_ += Encode(reply::kContinue);
        return;
      }
      break;  // cannot rewrite: reject
    }
    case Action::kBlock: {
      std::vector<std::size_t> violators;
      for (std::size_t i = 0; i < per_rcpt.size(); ++i)
        if (per_rcpt[i] >= Action::kBlock) violators.push_back(i);
      const bool partial = o.remove_recipients && !violators.empty() && violators.size() < rcpts_.size() &&
                           (mta_actions_ & action::kDelRcpt) != 0;
      if (partial) {
        for (std::size_t i : violators) output_ += EncodeDelRcpt(rcpts_[i]);
        service_.stats_.recipients_removed += violators.size();
        header(v, id);
        output_ += Encode(reply::kContinue);
        return;
      }
      break;
    }
  }
  ++service_.stats_.rejected;
  output_ += EncodeReplyCode("550", "5.7.1",
                             o.reject_text + " (incident " + (id.empty() ? "not recorded" : id) + ")");
}

}  // namespace leakguard::channel::milter
