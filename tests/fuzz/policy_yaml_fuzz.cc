// Fuzz target: the policy YAML loader (docs/policies.md) and the evaluator over what it accepts.
//
// The input is loaded as a policy by Policy::Load with a small fixed organisation. Whatever the
// bytes, Load must return a policy or an error Status naming the source, never crash, hang, leak or
// trip a sanitizer. When a policy comes out, it decides a fixed set of transfers (channels,
// destinations internal and external, groups, times) with a fixed set of summaries, so conditions
// the loader accepted are also evaluated, and the verdict is checked against the combining rule
// (the action is the strictest matched action; every matched rule is one of the policy's rules).
// The same bytes are also loaded as an organisation configuration (OrgConfig::Load), which shares
// the YAML helpers and the classification section.
//
// No engine: compiling the catalog takes seconds under ASan. Type ids are then accepted unchecked and
// categories resolve from the built-in catalog files (parsed once).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "classify/classify.h"
#include "leakguard/policy.h"

namespace {

using namespace leakguard;

const OrgConfig& Org() {
  static const OrgConfig org = [] {
    auto o = OrgConfig::Load({"org.yaml", R"(organization:
  internal_domains: [corp.example]
  internal_networks: [10.0.0.0/8, "2001:db8:ffff::/48"]
)"},
                             "");
    if (!o) std::abort();
    return *o;
  }();
  return org;
}

std::vector<Transfer> Transfers() {
  std::vector<Transfer> out;
  const char* dests[] = {"https://pastebin.com/x",
                         "bob@gmail.com",
                         "ops@corp.example",
                         "10.1.2.3",
                         "2001:db8:1::1",
                         "usb:SanDisk 1",
                         ""};
  for (int i = 0; i < 7; ++i) {
    Transfer t;
    t.channel = static_cast<Channel>(i % 5);
    t.identity.user = i % 2 ? "alice" : "svc-backup";
    if (i % 3 == 0) t.identity.groups = {"security-team", "staff"};
    t.time_ms = 1767261600000 + static_cast<std::int64_t>(i) * 7 * 3600 * 1000;
    t.direction = i == 5 ? "in" : "out";
    std::string d = dests[i];
    if (!d.empty()) {
      Destination dest;
      if (d.find("://") != std::string::npos)
        dest.url = d;
      else if (d.find('@') != std::string::npos)
        dest.address = d;
      else if (d.starts_with("usb:"))
        dest.device = d;
      else
        dest.ip = d;
      dest.country = i % 2 ? "ID" : "";
      t.destinations.push_back(dest);
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<FindingsSummary> Summaries() {
  std::vector<FindingsSummary> out(4);
  auto add = [](FindingsSummary& s, const char* type, Confidence c, int n) {
    Finding f;
    f.info_type = type;
    f.confidence = c;
    f.masked = "****";
    for (int i = 0; i < n; ++i) s.Add(f);
  };
  add(out[1], "CREDIT_CARD_NUMBER", Confidence::kHigh, 3);
  add(out[1], "EMAIL_ADDRESS", Confidence::kMedium, 7);
  out[1].label = Label::kRestricted;
  add(out[2], "PRIVATE_KEY", Confidence::kLow, 1);
  out[2].markings = {"CONFIDENTIAL", "msip:General"};
  out[2].label = Label::kConfidential;
  add(out[3], "EXTRACTION_LIMIT", Confidence::kHigh, 1);
  out[3].complete = false;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  static const std::vector<Transfer> transfers = Transfers();
  static const std::vector<FindingsSummary> summaries = Summaries();

  auto policy = Policy::Load({"fuzz.yaml", yaml}, Org());
  if (!policy) {
    if (policy.error().ok() || policy.error().message().find("fuzz.yaml") == std::string::npos) std::abort();
  } else {
    const Policy& p = **policy;
    for (const auto& t : transfers)
      for (const auto& s : summaries) {
        Verdict v = p.Decide(t, s);
        Action strictest = Action::kAllow;
        for (const auto& m : v.matched) {
          if (m.action > strictest) strictest = m.action;
          if (!m.rule.starts_with(p.name() + "/")) std::abort();
        }
        if (v.action != strictest || v.matched.size() > p.rules().size()) std::abort();
        if (v.policy_version != p.version()) std::abort();
      }
  }

  auto org = OrgConfig::Load({"fuzz-config.yaml", yaml}, "/etc/leakguard");
  if (org) {
    FindingsSummary s = summaries[1];
    org->classifier->Classify(s);
    std::vector<std::string> marks;
    org->classifier->FindMarkings(yaml.substr(0, 4096), size % 2 == 0, marks);
  } else if (org.error().message().find("fuzz-config.yaml") == std::string::npos) {
    std::abort();
  }
  return 0;
}
