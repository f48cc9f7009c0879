#include "channel/milter/milter_service.h"

#include <algorithm>

#include "channel/inspect.h"
#include "core/ascii.h"
#include "extract/dispatcher.h"
#include "policy/content_summary.h"

namespace leakguard::channel::milter {
namespace {

constexpr std::string_view kMessageName = "message.eml";
// Spooled before the headers, so extraction takes every message for MIME whatever its first header
// is (content sniffing knows a mail by Received:, From:... at its start). Not part of the message.
constexpr std::string_view kSpoolPrefix = "MIME-Version: 1.0\r\n";

// The info types a redaction removes, with the lowest confidence removed: a type whose findings alone
// make `decide` redact (or stop) the message, from the confidence that leaves too few of them to do
// so. When no type does on its own (a rule counts several types together), every type found, from
// medium (the policy's default minimum).
RedactTypes RedactedTypes(const std::function<Action(const FindingsSummary&)>& decide,
                          const FindingsSummary& summary) {
  auto triggers = [&](const TypeSummary& t) {
    FindingsSummary one;
    one.types = {t};
    return decide(one) >= Action::kRedact;
  };
  RedactTypes types;
  for (const TypeSummary& t : summary.types) {
    if (!triggers(t)) continue;
    TypeSummary below_high = t;
    below_high.count_high = 0;
    if (!triggers(below_high)) {
      types[t.type] = Confidence::kHigh;
      continue;
    }
    TypeSummary low_only = below_high;
    low_only.count_medium = 0;
    types[t.type] = triggers(low_only) ? Confidence::kLow : Confidence::kMedium;
  }
  if (types.empty())
    for (const TypeSummary& t : summary.types) types[t.type] = Confidence::kMedium;
  return types;
}

}  // namespace

MilterService::MilterService(MilterOptions options, std::shared_ptr<const Engine> engine,
                             incident::DecisionPoint* decisions)
    : options_(std::move(options)), scanners_(std::move(engine)), decisions_(decisions) {
  if (options_.notify.enabled) notifier_ = std::make_unique<MailNotifier>(options_.notify);
}

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
  counter("leakguard_milter_attachments_removed_total", "Attachments replaced by a notice (redact).",
          stats_.attachments_removed.load());
  counter("leakguard_milter_redact_failed_total",
          "Redact verdicts rejected because the rewritten message still held what the policy redacts.",
          stats_.redact_failed.load());
  counter("leakguard_milter_tempfailed_total", "Messages answered 451 (inspection could not finish).",
          stats_.tempfailed.load());
  counter("leakguard_milter_protocol_errors_total", "Milter connections closed on a protocol error.",
          stats_.protocol_errors.load());
  counter("leakguard_milter_notices_skipped_total",
          "Notices not sent because the flagged message was itself automatic (Auto-Submitted).",
          stats_.notices_skipped.load());
  if (notifier_) out += notifier_->RenderMetrics();
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
  too_large_ = false;
}

void MilterSession::Handle(const Packet& p) {
  const MilterOptions& o = service_.options_;
  auto append = [&](std::string_view bytes) {
    if (too_large_ || !spool_) return;
    if (o.max_message > 0 && spool_->size - spool_->prefix + bytes.size() > o.max_message) {
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
      if (spool_->Append(kSpoolPrefix).ok()) spool_->prefix = kSpoolPrefix.size();
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
  t.bytes = spool_ ? spool_->size - spool_->prefix : 0;
  return t;
}

// RFC 3834: "Auto-Submitted: no" is a person's mail; any other value an automatic one (LeakGuard's own
// notices say auto-generated).
bool MilterSession::AutoSubmitted() const {
  for (const auto& [name, value] : headers_) {
    if (!EqualsIgnoreCase(name, "Auto-Submitted")) continue;
    std::string_view v = value;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
      v.remove_suffix(1);
    std::size_t semicolon = v.find(';');  // parameters may follow
    v = v.substr(0, semicolon);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (!EqualsIgnoreCase(v, "no")) return true;
  }
  return false;
}

void MilterSession::Notify(const Transfer& transfer, const FindingsSummary& summary, const Verdict& verdict,
                           const std::string& incident) {
  MailNotifier* notifier = service_.notifier();
  if (notifier == nullptr || !verdict.incident()) return;
  const auto& actions = notifier->options().actions;
  if (std::find(actions.begin(), actions.end(), verdict.action) == actions.end()) return;
  if (AutoSubmitted()) {
    ++service_.stats_.notices_skipped;
    return;
  }
  NoticeFacts facts;
  facts.incident = incident;
  facts.action = verdict.action;
  facts.label = verdict.label;
  facts.sender = mail_from_;
  for (const RuleMatch& m : verdict.matched) facts.rules.push_back(m.rule);
  for (const std::string& target : verdict.notify)
    if (target.starts_with("mailto:")) facts.rule_targets.push_back(target.substr(7));
  // Types found at medium confidence or above (the policy's default); all of them when none is.
  for (Confidence min : {Confidence::kMedium, Confidence::kLow}) {
    for (const TypeSummary& t : summary.types)
      if (std::uint32_t n = t.CountAtLeast(min); n > 0) facts.types.emplace_back(t.type, n);
    if (!facts.types.empty()) break;
  }
  for (const Destination& d : transfer.destinations)
    if (!d.host.empty() && std::find(facts.recipient_domains.begin(), facts.recipient_domains.end(),
                                     d.host) == facts.recipient_domains.end())
      facts.recipient_domains.push_back(d.host);
  if (auto it = transfer.attributes.find("message_id"); it != transfer.attributes.end())
    facts.message_id = it->second;
  notifier->Notify(facts);
}

bool MilterSession::Redact(const Transfer& transfer, const FindingsSummary& summary, const PartCounts& parts,
                           const std::string& incident) {
  const MilterOptions& o = service_.options_;
  if ((mta_actions_ & action::kChangeBody) == 0 || !spool_ || too_large_ ||
      spool_->size - spool_->prefix > o.max_redact_bytes)
    return false;
  const auto bundle = service_.decisions_->policy();
  Transfer enriched = transfer;
  bundle->enricher->Enrich(enriched);
  std::function<Action(const FindingsSummary&)> decide = [&](const FindingsSummary& s) {
    return bundle->policy->Decide(enriched, s).action;
  };
  RedactRequest request;
  request.message = spool_->View();
  request.headers = headers_;
  request.types = RedactedTypes(decide, summary);
  request.notice = o.redact_notice;
  request.incident = incident;
  for (const auto& [key, types] : parts) {
    for (const auto& [type, counts] : types) {
      auto it = request.types.find(type);
      if (it == request.types.end()) continue;
      std::uint32_t n = 0;
      for (int c = static_cast<int>(it->second); c <= static_cast<int>(Confidence::kHigh); ++c)
        n += counts[c - 1];
      if (n > 0) request.parts[key][type] = n;
    }
  }
  Result<MailRedaction> redacted = [&] {
    auto lease = service_.scanners_.Acquire();
    return RedactMessage(request, *lease);
  }();
  if (!redacted || !redacted->changed()) return false;
  if (!redacted->header_changes.empty() && (mta_actions_ & action::kChangeHeaders) == 0) return false;

  // The message as it will leave, inspected again: if the policy would still redact or stop it (a
  // value the rewrite could not reach, such as one inside an encoded header), it is not delivered.
  std::string after(kSpoolPrefix);
  std::map<std::string, std::uint32_t> occurrences;  // lower-case name -> headers of that name so far
  for (const auto& [name, value] : headers_) {
    const std::uint32_t occurrence = ++occurrences[AsciiLowerCopy(name)];
    const std::string* v = &value;
    for (const HeaderChange& c : redacted->header_changes)
      if (c.index == occurrence && EqualsIgnoreCase(c.name, name)) v = &c.value;
    after += name + ": " + *v + "\r\n";
  }
  for (const HeaderChange& c : redacted->header_changes)
    if (c.index == 0) after += c.name + ": " + c.value + "\r\n";
  after += "\r\n";
  after += redacted->body;
  std::shared_ptr<const classify::Classifier> classifier = service_.decisions_->classifier();
  policy::SummaryBuilder builder(classifier.get());
  extract::MemorySource source(after);
  Status s = InspectForPolicy(service_.scanners_, source, kMessageName, o.limits, builder);
  FindingsSummary again = builder.Finish();
  if (!s.ok() || !again.complete || decide(again) >= Action::kRedact) {
    ++service_.stats_.redact_failed;
    return false;
  }

  for (const HeaderChange& c : redacted->header_changes)
    output_ += c.index == 0 ? EncodeAddHeader(c.name, c.value) : EncodeChangeHeader(c.index, c.name, c.value);
  output_ += EncodeReplaceBody(redacted->body);
  service_.stats_.attachments_removed += redacted->removed.size();
  return true;
}

void MilterSession::EndOfMessage() {
  ++service_.stats_.messages;
  const MilterOptions& o = service_.options_;
  incident::DecisionPoint* decisions = service_.decisions_;
  std::shared_ptr<const classify::Classifier> classifier = decisions ? decisions->classifier() : nullptr;
  policy::SummaryBuilder builder(classifier.get());
  std::string unfinished;
  PartCounts parts;
  if (too_large_) {
    unfinished = "message larger than the milter max_message limit or not spooled";
  } else if (spool_) {
    SpoolSource source(*spool_);
    // Which part of the mail each finding is in (for redaction): part key, type, confidence.
    FindingSink where = [&parts](Finding&& f) {
      std::string key = PartKeyOf(f.part, kMessageName);
      if (!key.empty()) ++parts[key][f.info_type][static_cast<int>(f.confidence) - 1];
    };
    Status s = InspectForPolicy(service_.scanners_, source, kMessageName, o.limits, builder, &where);
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
  if (spool_ && !too_large_) content.push_back({transfer.name, spool_->Body()});
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
  Notify(transfer, summary, v, id);
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
      if (Redact(transfer, summary, parts, id)) {
        ++service_.stats_.redacted;
        header(v, id);
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
