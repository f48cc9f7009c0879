// Policy, OrgConfig, Enricher, LoadPolicyBundle and PolicyWatcher (leakguard/policy.h).

#include "leakguard/policy.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "classify/classify.h"
#include "classify/type_catalog.h"
#include "detect/builtin_data.h"
#include "policy/directory.h"
#include "policy/geoip.h"
#include "policy/policy_model.h"
#include "policy/sha256.h"
#include "policy/yaml_util.h"

namespace leakguard {

using policy::Errors;
using policy::GetBool;
using policy::GetInt;
using policy::GetString;
using policy::GetStrings;
using policy::Lower;

namespace {

constexpr std::string_view kBuiltinPolicyName = "policies/default.yaml";

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(Status::NotFound(path + ": cannot read the " + std::string(what)));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Unexpected(Status::IoError(path + ": read error"));
  return text;
}

std::string ResolvePath(std::string_view base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(std::string(base_dir)) / path).lexically_normal().string();
}

std::shared_ptr<const classify::TypeCatalog> CatalogFor(const Engine* engine) {
  return engine != nullptr ? classify::TypeCatalog::FromEngine(*engine) : classify::TypeCatalog::Builtin();
}

std::optional<Label> LabelOf(const YAML::Node& n, std::string_view what, Errors& e) {
  auto s = GetString(n, what, e);
  if (!s) return std::nullopt;
  auto l = ParseLabel(*s);
  if (!l) e.Add(n, "unknown label '" + s->substr(0, 64) + "' (public, internal, confidential, restricted)");
  return l;
}

void LoadClassification(const YAML::Node& n, const classify::TypeCatalog& catalog, bool strict,
                        classify::Config& c, Errors& e) {
  if (!n.IsMap()) {
    e.Add(n, "classification: must be a map (use_defaults, rules, markings, sensitivity_labels, window)");
    return;
  }
  policy::CheckKeys(n, {"use_defaults", "rules", "markings", "sensitivity_labels", "window"},
                    "classification", e);
  if (auto x = n["use_defaults"]; x.IsDefined())
    c.use_defaults = GetBool(x, "use_defaults", e).value_or(true);
  if (auto x = n["window"]; x.IsDefined())
    c.window = static_cast<std::size_t>(GetInt(x, "window", 64, 1 << 20, e).value_or(2048));
  if (auto rules = n["rules"]; rules.IsDefined()) {
    if (!rules.IsSequence())
      e.Add(rules, "classification rules: must be a list");
    else
      for (const auto& r : rules) {
        if (!r.IsMap()) {
          e.Add(r, "a classification rule is a map (types, categories, min_confidence, min_count, label)");
          continue;
        }
        policy::CheckKeys(r, {"types", "categories", "exclude_types", "min_confidence", "min_count", "label"},
                          "a classification rule", e);
        classify::TypeRule tr;
        auto ids = [&](const char* key, std::vector<std::string>& out) {
          if (auto x = r[key]; x.IsDefined())
            if (auto v = GetStrings(x, key, e))
              for (const auto& id : *v) {
                if (strict && !catalog.Known(id))
                  e.Add(x, "unknown info type '" + id.substr(0, 64) + "'");
                else
                  out.push_back(id);
              }
        };
        ids("types", tr.types);
        ids("exclude_types", tr.exclude_types);
        if (auto x = r["categories"]; x.IsDefined())
          if (auto v = GetStrings(x, "categories", e))
            for (const auto& cat : *v) {
              if (!catalog.KnownCategory(cat))
                e.Add(x, "unknown category '" + cat.substr(0, 64) + "'");
              else
                tr.categories.push_back(cat);
            }
        if (tr.types.empty() && tr.categories.empty())
          e.Add(r, "a classification rule needs types or categories");
        if (auto x = r["min_confidence"]; x.IsDefined())
          if (auto s = GetString(x, "min_confidence", e)) {
            if (auto cf = ParseConfidence(*s))
              tr.min_confidence = *cf;
            else
              e.Add(x, "unknown confidence '" + s->substr(0, 64) + "' (low, medium, high)");
          }
        if (auto x = r["min_count"]; x.IsDefined())
          tr.min_count = static_cast<std::uint32_t>(GetInt(x, "min_count", 1, 1000000000, e).value_or(1));
        if (auto x = r["label"]; x.IsDefined()) {
          if (auto l = LabelOf(x, "label", e)) tr.label = *l;
        } else {
          e.Add(r, "a classification rule needs 'label:'");
        }
        c.rules.push_back(std::move(tr));
      }
  }
  if (auto m = n["markings"]; m.IsDefined()) {
    if (!m.IsSequence())
      e.Add(m, "classification markings: must be a list of {text, label, line_only}");
    else
      for (const auto& x : m) {
        if (!x.IsMap()) {
          e.Add(x, "a marking is a map {text, label, line_only}");
          continue;
        }
        policy::CheckKeys(x, {"text", "label", "line_only"}, "a marking", e);
        classify::MarkingRule mr;
        if (auto t = x["text"]; t.IsDefined()) mr.text = GetString(t, "text", e).value_or("");
        if (mr.text.empty() || mr.text.size() > 128)
          e.Add(x, "a marking needs a 'text:' of 1-128 characters");
        if (auto l = x["label"]; l.IsDefined())
          mr.label = LabelOf(l, "label", e).value_or(Label::kConfidential);
        else
          e.Add(x, "a marking needs 'label:'");
        if (auto lo = x["line_only"]; lo.IsDefined())
          mr.line_only = GetBool(lo, "line_only", e).value_or(false);
        c.markings.push_back(std::move(mr));
      }
  }
  if (auto s = n["sensitivity_labels"]; s.IsDefined()) {
    if (!s.IsMap())
      e.Add(s, "sensitivity_labels: must map Office label names or ids to labels");
    else
      for (const auto& kv : s) {
        auto name = GetString(kv.first, "a sensitivity label name", e);
        auto l = LabelOf(kv.second, "label", e);
        if (name && l) c.sensitivity_labels.emplace_back(*name, *l);
      }
  }
}

}  // namespace

// --- OrgConfig -------------------------------------------------------------------------------------

OrgConfig OrgConfig::Defaults(const Engine* engine) {
  OrgConfig c;
  c.classifier = std::make_shared<classify::Classifier>(classify::Config{}, CatalogFor(engine));
  return c;
}

Result<OrgConfig> OrgConfig::Load(const ConfigSource& config, std::string_view base_dir,
                                  const Engine* engine) {
  Errors e(config.name.empty() ? std::string("config") : config.name);
  OrgConfig c;
  c.source = config.name;
  auto catalog = CatalogFor(engine);
  classify::Config cls;
  try {
    auto root = policy::ParseYaml(config.yaml, e);
    if (root && root->IsMap()) {
      if (auto org = (*root)["organization"]; org.IsDefined() && !org.IsNull()) {
        if (!org.IsMap()) {
          e.Add(org, "organization: must be a map");
        } else {
          policy::CheckKeys(
              org,
              {"internal_domains", "internal_networks", "private_networks_internal", "directory", "geoip"},
              "organization", e);
          if (auto x = org["internal_domains"]; x.IsDefined())
            if (auto v = GetStrings(x, "internal_domains", e))
              for (auto d : *v) {
                d = Lower(d);
                if (d.starts_with("*.")) d.erase(0, 2);
                while (!d.empty() && d.front() == '.') d.erase(0, 1);
                while (!d.empty() && d.back() == '.') d.pop_back();
                if (d.empty() || d.find_first_of("*?/ @") != std::string::npos)
                  e.Add(x, "internal domain '" + d.substr(0, 64) +
                               "' must be a plain domain name (it covers its subdomains)");
                else
                  c.internal_domains.push_back(d);
              }
          if (auto x = org["internal_networks"]; x.IsDefined())
            if (auto v = GetStrings(x, "internal_networks", e))
              for (const auto& n : *v) {
                auto net = policy::IpNetwork::Parse(n);
                if (!net)
                  e.Add(x, net.error().message());
                else
                  c.internal_networks.push_back(n);
              }
          if (auto x = org["private_networks_internal"]; x.IsDefined())
            c.private_networks_internal = GetBool(x, "private_networks_internal", e).value_or(true);
          if (auto x = org["directory"]; x.IsDefined())
            if (auto s = GetString(x, "directory", e)) c.directory_path = ResolvePath(base_dir, *s);
          if (auto x = org["geoip"]; x.IsDefined())
            if (auto s = GetString(x, "geoip", e)) c.geoip_path = ResolvePath(base_dir, *s);
        }
      }
      if (auto x = (*root)["policy"]; x.IsDefined() && !x.IsNull())
        if (auto s = GetString(x, "policy", e)) c.policy_path = ResolvePath(base_dir, *s);
      if (auto x = (*root)["classification"]; x.IsDefined() && !x.IsNull())
        LoadClassification(x, *catalog, engine != nullptr, cls, e);
    } else if (root && !root->IsNull()) {
      e.Add(*root, "a configuration file is a map");
    }
  } catch (const std::exception& ex) {
    e.Add(0, std::string("unexpected: ") + ex.what());
  }
  if (!e.empty()) return Unexpected(e.ToStatus());
  c.classifier = std::make_shared<classify::Classifier>(std::move(cls), catalog);
  return c;
}

Result<OrgConfig> OrgConfig::LoadFile(const std::string& path, const Engine* engine) {
  auto text = ReadFile(path, "configuration");
  if (!text) return Unexpected(text.error());
  return Load({path, std::move(*text)}, std::filesystem::path(path).parent_path().string(), engine);
}

// --- Policy ----------------------------------------------------------------------------------------

Policy::Policy(std::unique_ptr<policy::CompiledPolicy> compiled) : compiled_(std::move(compiled)) {}
Policy::~Policy() = default;

Result<std::shared_ptr<const Policy>> Policy::Load(const ConfigSource& source, const OrgConfig& org,
                                                   const Engine* engine) {
  auto compiled = policy::CompilePolicy(source, org, engine);
  if (!compiled) return Unexpected(compiled.error());
  return std::shared_ptr<const Policy>(new Policy(std::move(*compiled)));
}

Result<std::shared_ptr<const Policy>> Policy::LoadFile(const std::string& path, const OrgConfig& org,
                                                       const Engine* engine) {
  auto text = ReadFile(path, "policy");
  if (!text) return Unexpected(text.error());
  return Load({path, std::move(*text)}, org, engine);
}

std::string_view Policy::BuiltinDefaultText() {
  for (const auto& f : detect::BuiltinFiles())
    if (f.name == kBuiltinPolicyName) return f.text;
  return {};
}

Result<std::shared_ptr<const Policy>> Policy::BuiltinDefault(const OrgConfig& org, const Engine* engine) {
  std::string_view text = BuiltinDefaultText();
  if (text.empty())
    return Unexpected(Status::Internal("the built-in default policy is missing from the binary"));
  return Load({"builtin:" + std::string(kBuiltinPolicyName), std::string(text)}, org, engine);
}

Verdict Policy::Decide(const Transfer& transfer, const FindingsSummary& summary) const {
  return policy::Evaluate(*compiled_, transfer, summary);
}
const std::string& Policy::name() const { return compiled_->name; }
const std::string& Policy::source() const { return compiled_->source; }
const std::string& Policy::version() const { return compiled_->version; }
const std::vector<PolicyRuleInfo>& Policy::rules() const { return compiled_->rule_infos; }
const std::vector<PolicyTestCase>& Policy::tests() const { return compiled_->tests; }
std::size_t Policy::exception_count() const { return compiled_->exceptions.size(); }
const std::string& Policy::test_config() const { return compiled_->test_config; }

// --- Enricher --------------------------------------------------------------------------------------

Enricher::~Enricher() = default;

Result<std::shared_ptr<const Enricher>> Enricher::Create(const OrgConfig& org) {
  std::shared_ptr<Enricher> e(new Enricher());
  e->internal_domains_ = org.internal_domains;
  if (!org.directory_path.empty()) {
    auto d = policy::Directory::LoadFile(org.directory_path);
    if (!d) return Unexpected(d.error());
    e->directory_ = std::move(*d);
  }
  if (!org.geoip_path.empty()) {
    auto g = policy::GeoIp::Open(org.geoip_path);
    if (!g) return Unexpected(g.error());
    e->geoip_ = std::move(*g);
  }
  return std::shared_ptr<const Enricher>(std::move(e));
}

std::string Enricher::CountryOf(std::string_view ip) const {
  return geoip_ ? geoip_->Country(ip) : std::string();
}

std::vector<std::string> Enricher::GroupsOf(std::string_view user) const {
  if (!directory_ || user.empty()) return {};
  auto groups = directory_->GroupsOf(user);
  if (groups.empty()) {
    if (auto at = user.rfind('@'); at != std::string_view::npos) {
      const std::string domain = Lower(user.substr(at + 1));
      if (std::find(internal_domains_.begin(), internal_domains_.end(), domain) != internal_domains_.end())
        groups = directory_->GroupsOf(user.substr(0, at));
    }
  }
  return groups;
}

void Enricher::Enrich(Transfer& t) const {
  for (auto& g : GroupsOf(t.identity.user)) {
    const bool have = std::any_of(t.identity.groups.begin(), t.identity.groups.end(),
                                  [&](const std::string& x) { return policy::EqualsIgnoreCase(x, g); });
    if (!have) t.identity.groups.push_back(std::move(g));
  }
  for (auto& d : t.destinations) {
    if (d.host.empty()) d.host = policy::HostOf(d);
    if (!d.host.empty() && policy::ParseIp(d.host)) {
      if (d.ip.empty()) d.ip = d.host.front() == '[' ? d.host.substr(1, d.host.size() - 2) : d.host;
      d.host.clear();
    }
    if (d.country.empty() && !d.ip.empty()) d.country = CountryOf(d.ip);
  }
}

// --- bundle and watcher ----------------------------------------------------------------------------

Result<std::shared_ptr<const PolicyBundle>> LoadPolicyBundle(const PolicyFiles& files, const Engine* engine) {
  auto b = std::make_shared<PolicyBundle>();
  if (!files.config_path.empty()) {
    auto org = OrgConfig::LoadFile(files.config_path, engine);
    if (!org) return Unexpected(org.error());
    b->org = std::move(*org);
    b->files.push_back(files.config_path);
  } else {
    b->org = OrgConfig::Defaults(engine);
  }
  if (!files.policy_path.empty()) b->org.policy_path = files.policy_path;
  std::vector<std::string> errors;
  if (b->org.policy_path.empty()) {
    auto p = Policy::BuiltinDefault(b->org, engine);
    if (!p)
      errors.push_back(p.error().message());
    else
      b->policy = std::move(*p);
  } else {
    b->files.push_back(b->org.policy_path);
    auto p = Policy::LoadFile(b->org.policy_path, b->org, engine);
    if (!p)
      errors.push_back(p.error().message());
    else
      b->policy = std::move(*p);
  }
  auto enricher = Enricher::Create(b->org);
  if (!enricher)
    errors.push_back(enricher.error().message());
  else
    b->enricher = std::move(*enricher);
  if (!b->org.directory_path.empty()) b->files.push_back(b->org.directory_path);
  if (!b->org.geoip_path.empty()) b->files.push_back(b->org.geoip_path);
  if (!errors.empty()) {
    std::string m;
    for (const auto& x : errors) m += (m.empty() ? "" : "\n") + x;
    return Unexpected(Status::ParseError(std::move(m)));
  }
  return std::shared_ptr<const PolicyBundle>(std::move(b));
}

PolicyWatcher::PolicyWatcher(PolicyFiles files, EngineProvider engine, Options options)
    : files_(std::move(files)), engine_(std::move(engine)), options_(std::move(options)) {}

Result<std::unique_ptr<PolicyWatcher>> PolicyWatcher::Start(PolicyFiles files, EngineProvider engine,
                                                            Options options) {
  std::unique_ptr<PolicyWatcher> w(
      new PolicyWatcher(std::move(files), std::move(engine), std::move(options)));
  {
    std::lock_guard lock(w->reload_mu_);
    // Snapshot before loading: a change during the load is then seen by the next poll.
    std::shared_ptr<const Engine> e = w->engine_ ? w->engine_() : nullptr;
    auto bundle = LoadPolicyBundle(w->files_, e.get());
    if (!bundle) return Unexpected(bundle.error());
    w->watched_ = Snapshot((*bundle)->files);
    w->current_.store(std::move(*bundle));
  }
  if (w->options_.poll) w->poller_ = std::thread([p = w.get()] { p->PollLoop(); });
  return w;
}

PolicyWatcher::~PolicyWatcher() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

namespace {

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::int64_t kRacyNs = 2'000'000'000;

}  // namespace

std::vector<PolicyWatcher::FileState> PolicyWatcher::Snapshot(const std::vector<std::string>& files) {
  std::vector<FileState> out;
  for (const auto& path : files) {
    FileState s;
    s.path = path;
    s.checked_ns = NowNs();
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      s.size = static_cast<std::int64_t>(st.st_size);
      std::ifstream in(path, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      s.hash = policy::Sha256Hex(text);
    }
    out.push_back(std::move(s));
  }
  return out;
}

Status PolicyWatcher::ReloadLocked() {
  std::shared_ptr<const Engine> e = engine_ ? engine_() : nullptr;
  // Snapshot first: an edit made while loading makes the next poll load again.
  auto before = Snapshot(current_.load()->files);
  auto bundle = LoadPolicyBundle(files_, e.get());
  Status outcome;
  if (!bundle) {
    outcome = bundle.error();
    watched_ = std::move(before);  // do not retry the same broken content every second
  } else {
    auto after = Snapshot((*bundle)->files);
    watched_ = std::move(after);
    current_.store(std::move(*bundle));
  }
  if (options_.on_reload) options_.on_reload(outcome, current_.load().get());
  return outcome;
}

Status PolicyWatcher::Reload() {
  std::lock_guard lock(reload_mu_);
  return ReloadLocked();
}

bool PolicyWatcher::CheckForChanges(Status* outcome) {
  std::lock_guard lock(reload_mu_);
  bool changed = false;
  for (auto& w : watched_) {
    struct stat st {};
    std::int64_t mtime = -1, size = -1;
    if (::stat(w.path.c_str(), &st) == 0) {
      mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      size = static_cast<std::int64_t>(st.st_size);
    }
    const std::int64_t now = NowNs();
    // Same mtime and size: unchanged, unless the file was written so shortly before it was hashed
    // that a second write could share its timestamp ("racy", as git calls it).
    if (mtime == w.mtime_ns && size == w.size && mtime + kRacyNs < w.checked_ns) continue;
    // mtime or size moved: compare the content, so a touch or an editor's rewrite of the same text
    // does not reload.
    std::string hash;
    if (mtime >= 0) {
      std::ifstream in(w.path, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      hash = policy::Sha256Hex(text);
    }
    w.mtime_ns = mtime;
    w.size = size;
    w.checked_ns = now;
    if (hash != w.hash) changed = true;
    w.hash = std::move(hash);
  }
  if (!changed) return false;
  Status s = ReloadLocked();
  if (outcome != nullptr) *outcome = std::move(s);
  return true;
}

void PolicyWatcher::PollLoop() {
  std::unique_lock lock(stop_mu_);
  while (!stop_) {
    stop_cv_.wait_for(lock, options_.poll_interval, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    CheckForChanges();
    lock.lock();
  }
}

}  // namespace leakguard
