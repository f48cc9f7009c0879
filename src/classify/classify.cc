#include "classify/classify.h"

#include "core/ascii.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace leakguard::classify {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  const unsigned lower = u | 0x20u;
  return (lower >= 'a' && lower <= 'z') || (u >= '0' && u <= '9') || c == '_' ||
         u >= 0x80;  // UTF-8 letters count as word characters
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// Characters around a marking on its own line: "- CONFIDENTIAL -", "[Confidential]", "**Rahasia**".
bool IsDecoration(char c) { return IsSpace(c) || std::strchr("-*=_#|[](){}<>:.,;/\\~\"'", c) != nullptr; }

std::string_view StripDecoration(std::string_view s) {
  while (!s.empty() && IsDecoration(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsDecoration(s.back())) s.remove_suffix(1);
  return s;
}

// "Classification: Confidential" -> "Confidential".
std::string_view StripLabelPrefix(std::string_view line) {
  static constexpr std::string_view kPrefixes[] = {"security classification",
                                                   "data classification",
                                                   "document classification",
                                                   "classification",
                                                   "klasifikasi",
                                                   "sensitivity label",
                                                   "sensitivity",
                                                   "label",
                                                   "marking",
                                                   "protective marking",
                                                   "sifat",
                                                   "tlp"};
  std::string lower = Lower(line.substr(0, 40));
  for (std::string_view p : kPrefixes) {
    if (!lower.starts_with(p)) continue;
    std::string_view rest = line.substr(p.size());
    if (rest.empty() || !(rest.front() == ':' || IsSpace(rest.front()))) continue;
    if (p == "tlp") return line;  // "TLP:RED" is itself the marking
    return StripDecoration(rest);
  }
  return line;
}

// Searches `text` for `needle` case-insensitively from `from`.
TypeRule Rule(std::vector<std::string> types, std::vector<std::string> categories, Label label,
              std::uint32_t min_count = 1, std::vector<std::string> exclude = {}) {
  TypeRule r;
  r.types = std::move(types);
  r.categories = std::move(categories);
  r.exclude_types = std::move(exclude);
  r.label = label;
  r.min_count = min_count;
  return r;
}

std::string GuidLower(std::string_view s) {
  while (!s.empty() && (s.front() == '{' || IsSpace(s.front()))) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '}' || IsSpace(s.back()))) s.remove_suffix(1);
  return Lower(s);
}

// Decodes the five XML entities and numeric references (enough for property values).
std::string XmlUnescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      unsigned long cp = 0;
      try {
        cp = ent[1] == 'x' || ent[1] == 'X' ? std::stoul(std::string(ent.substr(2)), nullptr, 16)
                                            : std::stoul(std::string(ent.substr(1)));
      } catch (...) {
        cp = '?';
      }
      if (cp < 0x80)
        out += static_cast<char>(cp);
      else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += '?';
      }
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

// Value of attribute `name` inside one start tag's text.
std::string Attr(std::string_view tag, std::string_view name) {
  for (std::size_t at = 0;;) {
    at = tag.find(name, at);
    if (at == std::string_view::npos) return "";
    const bool word_start = at > 0 && (IsSpace(tag[at - 1]) || tag[at - 1] == ':');
    std::size_t k = at + name.size();
    while (k < tag.size() && IsSpace(tag[k])) ++k;
    if (word_start && k < tag.size() && tag[k] == '=') {
      ++k;
      while (k < tag.size() && IsSpace(tag[k])) ++k;
      if (k < tag.size() && (tag[k] == '"' || tag[k] == '\'')) {
        const char q = tag[k];
        const std::size_t end = tag.find(q, k + 1);
        if (end == std::string_view::npos) return "";
        return XmlUnescape(tag.substr(k + 1, end - k - 1));
      }
    }
    at += name.size();
  }
}

// Collects MSIP_Label_<guid>_<field> = value pairs into labels.
class LabelBuilder {
 public:
  void Property(std::string_view name, std::string_view value) {
    constexpr std::string_view kPrefix = "MSIP_Label_";
    if (name.size() <= kPrefix.size() || !EqualsPrefix(name, kPrefix)) return;
    std::string_view rest = name.substr(kPrefix.size());
    const std::size_t us = rest.rfind('_');
    if (us == std::string_view::npos) return;
    const std::string id = GuidLower(rest.substr(0, us));
    const std::string field = Lower(rest.substr(us + 1));
    if (id.empty() || id.size() > 64) return;
    SensitivityLabel& l = Get(id);
    std::string v(value);
    while (!v.empty() && IsSpace(v.back())) v.pop_back();
    while (!v.empty() && IsSpace(v.front())) v.erase(v.begin());
    if (field == "enabled")
      l.enabled = Lower(v) == "true" || v == "1";
    else if (field == "name")
      l.name = v.substr(0, 256);
  }
  std::vector<SensitivityLabel> Enabled() const {
    std::vector<SensitivityLabel> out;
    for (const auto& l : labels_)
      if (l.enabled) out.push_back(l);
    return out;
  }

 private:
  static bool EqualsPrefix(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && Lower(s.substr(0, p.size())) == Lower(p);
  }
  SensitivityLabel& Get(const std::string& id) {
    for (auto& l : labels_)
      if (l.id == id) return l;
    labels_.push_back({id, "", false});
    return labels_.back();
  }
  std::vector<SensitivityLabel> labels_;
};

}  // namespace

Config DefaultConfig() {
  Config c;
  c.use_defaults = false;
  c.rules = {
      // Secrets, cards, national ids and patient identifiers: restricted at the first finding.
      Rule({"CREDIT_CARD_NUMBER", "MEDICAL_RECORD_NUMBER", "UK_NHS_NUMBER", "AUSTRALIA_MEDICARE"},
           {"credential", "national_id"}, Label::kRestricted, 1,
           // Company registration numbers are public register entries, not personal ids.
           {"SINGAPORE_UEN", "AUSTRALIA_BUSINESS_NUMBER", "AUSTRALIA_COMPANY_NUMBER"}),
      Rule({"SINGAPORE_UEN", "AUSTRALIA_BUSINESS_NUMBER", "AUSTRALIA_COMPANY_NUMBER"}, {}, Label::kInternal),
      // Other health and financial data, dates of birth: confidential.
      Rule({"IBAN_CODE", "DATE_OF_BIRTH"}, {"health"}, Label::kConfidential),
      // Contact data: one address is a signature (internal), five are a list of people (confidential).
      Rule({"EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS"}, {}, Label::kInternal),
      Rule({"EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS"}, {}, Label::kConfidential, 5),
  };
  auto m = [](std::string text, Label label, bool line_only = false) {
    return MarkingRule{std::move(text), label, line_only};
  };
  c.markings = {
      m("TOP SECRET", Label::kRestricted),
      m("STRICTLY CONFIDENTIAL", Label::kRestricted),
      m("HIGHLY CONFIDENTIAL", Label::kRestricted),
      m("SANGAT RAHASIA", Label::kRestricted),
      m("STRENG VERTRAULICH", Label::kRestricted),
      m("TLP:RED", Label::kRestricted),
      m("RESTRICTED", Label::kRestricted, true),
      m("SECRET", Label::kRestricted, true),
      m("CONFIDENTIAL", Label::kConfidential),
      m("RAHASIA", Label::kConfidential),
      m("KONFIDENSIAL", Label::kConfidential),
      m("VERTRAULICH", Label::kConfidential),
      m("CONFIDENTIEL", Label::kConfidential),
      m("CONFIDENCIAL", Label::kConfidential),
      m("TLP:AMBER+STRICT", Label::kConfidential),
      m("TLP:AMBER", Label::kConfidential),
      m("SENSITIVE", Label::kConfidential, true),
      m("FOR INTERNAL USE ONLY", Label::kInternal),
      m("INTERNAL USE ONLY", Label::kInternal),
      m("INTERNAL ONLY", Label::kInternal),
      m("TERBATAS", Label::kInternal),
      m("TLP:GREEN", Label::kInternal),
      m("INTERNAL", Label::kInternal, true),
      m("INTERN", Label::kInternal, true),
      m("TLP:CLEAR", Label::kPublic),
      m("TLP:WHITE", Label::kPublic),
      m("PUBLIC", Label::kPublic, true),
      m("BIASA", Label::kPublic, true),
  };
  return c;
}

std::optional<Label> DefaultLabelFor(std::string_view label_name) {
  const std::string n = Lower(label_name);
  auto has = [&](std::string_view w) { return n.find(w) != std::string::npos; };
  if (has("highly confidential") || has("strictly confidential") || has("restricted") || has("secret") ||
      has("sangat rahasia"))
    return Label::kRestricted;
  if (has("confidential") || has("sensitive") || has("rahasia") || has("konfidensial"))
    return Label::kConfidential;
  if (has("internal") || has("general") || has("terbatas")) return Label::kInternal;
  if (has("public") || has("non-business") || has("non business") || has("personal") || has("umum"))
    return Label::kPublic;
  return std::nullopt;
}

Classifier::Classifier(Config config, std::shared_ptr<const TypeCatalog> catalog)
    : config_(std::move(config)), catalog_(catalog ? std::move(catalog) : TypeCatalog::Builtin()) {
  if (config_.use_defaults) {
    Config d = DefaultConfig();
    config_.rules.insert(config_.rules.end(), d.rules.begin(), d.rules.end());
    for (auto& mk : d.markings) {
      const bool dup = std::any_of(config_.markings.begin(), config_.markings.end(),
                                   [&](const MarkingRule& u) { return u.text == mk.text; });
      if (!dup) config_.markings.push_back(std::move(mk));
    }
  }
  for (auto& mk : config_.markings) mk.text = Upper(mk.text);
  // Longest first, so "STRICTLY CONFIDENTIAL" is taken before the "CONFIDENTIAL" inside it.
  std::stable_sort(config_.markings.begin(), config_.markings.end(),
                   [](const MarkingRule& a, const MarkingRule& b) { return a.text.size() > b.text.size(); });
  if (config_.window == 0) config_.window = 1;
  for (const TypeRule& rule : config_.rules) {
    std::vector<std::string> ids = rule.types;
    for (const auto& cat : rule.categories)
      for (const auto& id : catalog_->TypesIn(cat)) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::erase_if(ids, [&](const std::string& id) {
      return std::find(rule.exclude_types.begin(), rule.exclude_types.end(), id) != rule.exclude_types.end();
    });
    rule_ids_.push_back(std::move(ids));
  }
  for (unsigned c = 0; c < 256; ++c)
    if (IsWordByte(static_cast<char>(c))) byte_flags_[c] |= kWordByte;
  for (const MarkingRule& mk : config_.markings) {
    if (mk.text.empty()) continue;
    const auto first = static_cast<unsigned char>(mk.text.front());  // upper case
    byte_flags_[first] |= kMarkingStart;
    if (first >= 'A' && first <= 'Z') byte_flags_[first + 32] |= kMarkingStart;
  }
  marking_pairs_bits_.assign((std::size_t{1} << 16) / 64, 0);
  auto add_pair = [&](unsigned pair, std::size_t marking) {
    marking_pairs_bits_[pair / 64] |= std::uint64_t{1} << (pair % 64);
    marking_pairs_.emplace_back(static_cast<std::uint16_t>(pair), static_cast<std::uint16_t>(marking));
  };
  for (std::size_t i = 0; i < config_.markings.size() && i < 0xFFFF; ++i) {
    const std::string& t = config_.markings[i].text;
    if (t.empty()) continue;
    const unsigned b0 = static_cast<unsigned char>(t[0]);
    if (t.size() >= 2) {
      add_pair((b0 << 8) | static_cast<unsigned char>(t[1]), i);
    } else {
      for (unsigned b1 = 0; b1 < 256; ++b1) add_pair((b0 << 8) | b1, i);
    }
  }
  std::sort(marking_pairs_.begin(), marking_pairs_.end());
}

void Classifier::Classify(FindingsSummary& summary) const {
  struct Candidate {
    Label label;
    std::string reason;
  };
  std::vector<Candidate> found;
  for (std::size_t r = 0; r < config_.rules.size(); ++r) {
    const TypeRule& rule = config_.rules[r];
    std::uint64_t total = 0;
    std::string parts;
    for (const auto& id : rule_ids_[r]) {
      const TypeSummary* t = summary.Find(id);
      if (t == nullptr) continue;
      const std::uint32_t n = t->CountAtLeast(rule.min_confidence);
      if (n == 0) continue;
      total += n;
      if (!parts.empty()) parts += ", ";
      parts += id + " x" + std::to_string(n);
    }
    if (total >= rule.min_count && total > 0) {
      std::string reason = parts;
      if (rule.min_count > 1) reason += " (>= " + std::to_string(rule.min_count) + ")";
      reason += " -> " + std::string(LabelName(rule.label));
      found.push_back({rule.label, std::move(reason)});
    }
  }
  for (const auto& mk : summary.markings) {
    if (auto l = LabelOfMarking(mk))
      found.push_back({*l, "marking " + mk + " -> " + std::string(LabelName(*l))});
  }
  Label label = Label::kPublic;
  for (const auto& c : found) label = std::max(label, c.label);
  summary.label = label;
  summary.label_reasons.clear();
  for (auto& c : found)
    if (c.label == label && label != Label::kPublic) summary.label_reasons.push_back(std::move(c.reason));
}

std::optional<Label> Classifier::LabelOfMarking(std::string_view marking) const {
  if (marking.starts_with("msip:")) {
    std::string_view name = marking.substr(5);
    const std::string lname = Lower(name);
    for (const auto& [key, label] : config_.sensitivity_labels)
      if (Lower(key) == lname || GuidLower(key) == GuidLower(lname)) return label;
    return DefaultLabelFor(name);
  }
  const std::string up = Upper(marking);
  for (const auto& mk : config_.markings)
    if (mk.text == up) return mk.label;
  return std::nullopt;
}

void Classifier::FindMarkings(std::string_view text, bool header_part, std::vector<std::string>& out) const {
  // One pass: each position is looked up by its first two bytes (ASCII capitals) in
  // marking_pairs_bits_, so the cost is one table probe per word start rather than one search per
  // marking (searching once per marking was most of an ICAP request's CPU time). A position inside a
  // word is skipped when its byte is a word byte: a marking starting there fails the boundary check.
  auto up = [](char c) -> unsigned { return static_cast<unsigned char>(AsciiUpper(c)); };
  struct Hit {
    std::size_t marking;
    std::size_t at;
  };
  std::vector<Hit> hits;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  const std::uint8_t* flag_of = byte_flags_.data();
  bool prev_word = false;
  for (std::size_t i = 0; i < n; ++i) {
    // To the next byte where a marking may start: a tight loop with nothing to spill.
    for (; i < n; ++i) {
      const std::uint8_t flags = flag_of[bytes[i]];
      const bool word = (flags & kWordByte) != 0;
      if ((flags & kMarkingStart) != 0 && !(word && prev_word)) break;
      prev_word = word;
    }
    if (i >= n) break;
    prev_word = (flag_of[bytes[i]] & kWordByte) != 0;
    const unsigned pair = (up(text[i]) << 8) | (i + 1 < text.size() ? up(text[i + 1]) : 0u);
    if ((marking_pairs_bits_[pair / 64] >> (pair % 64) & 1) == 0) continue;
    auto it = std::lower_bound(marking_pairs_.begin(), marking_pairs_.end(),
                               std::pair<std::uint16_t, std::uint16_t>(static_cast<std::uint16_t>(pair), 0));
    for (; it != marking_pairs_.end() && it->first == pair; ++it) {
      const std::string& t = config_.markings[it->second].text;
      if (text.size() - i < t.size()) continue;
      bool same = true;
      for (std::size_t k = 2; k < t.size() && same; ++k)
        same = up(text[i + k]) == static_cast<unsigned char>(t[k]);
      if (same) hits.push_back({it->second, i});
    }
  }
  // Markings are taken longest first (config_.markings is sorted so), each at its hits in text order,
  // so "STRICTLY CONFIDENTIAL" claims its range before the "CONFIDENTIAL" inside it.
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.marking != b.marking ? a.marking < b.marking : a.at < b.at;
  });
  std::vector<std::pair<std::size_t, std::size_t>> taken;  // ranges already claimed by a longer marking
  for (const Hit& h : hits) {
    const MarkingRule& mk = config_.markings[h.marking];
    const std::size_t hit = h.at;
    const std::size_t end = hit + mk.text.size();
    if ((hit > 0 && IsWordByte(text[hit - 1]) && IsWordByte(mk.text.front())) ||
        (end < text.size() && IsWordByte(text[end]) && IsWordByte(mk.text.back())))
      continue;
    if (std::any_of(taken.begin(), taken.end(),
                    [&](const auto& r) { return hit < r.second && end > r.first; }))
      continue;
    bool accept = header_part;
    if (!accept && !mk.line_only)
      accept = text.substr(hit, mk.text.size()) == mk.text;  // written in capitals
    if (!accept) {
      std::size_t ls = text.rfind('\n', hit);
      ls = ls == std::string_view::npos ? 0 : ls + 1;
      std::size_t le = text.find('\n', end);
      if (le == std::string_view::npos) le = text.size();
      std::string_view line = StripLabelPrefix(StripDecoration(text.substr(ls, le - ls)));
      accept = Upper(StripDecoration(line)) == mk.text;
    }
    if (!accept) continue;
    taken.emplace_back(hit, end);
    if (std::find(out.begin(), out.end(), mk.text) == out.end()) out.push_back(mk.text);
  }
}

std::vector<SensitivityLabel> SensitivityLabelsFromCustomXml(std::string_view xml) {
  // <property fmtid="..." pid="2" name="MSIP_Label_<guid>_Enabled"><vt:lpwstr>true</vt:lpwstr></property>
  LabelBuilder b;
  for (std::size_t at = 0;;) {
    std::size_t open = xml.find("<property", at);
    if (open == std::string_view::npos) break;
    const std::size_t tag_end = xml.find('>', open);
    if (tag_end == std::string_view::npos) break;
    at = tag_end + 1;
    std::string_view tag = xml.substr(open, tag_end - open);
    if (tag.size() > 9 && !IsSpace(tag[9])) continue;  // <propertyX
    const std::string name = Attr(tag, "name");
    if (name.empty() || tag.ends_with("/")) continue;
    const std::size_t close = xml.find("</", at);  // the value element's text ends at its end tag
    if (close == std::string_view::npos) break;
    std::string_view inner = xml.substr(at, close - at);
    if (auto gt = inner.rfind('>'); gt != std::string_view::npos) inner = inner.substr(gt + 1);
    b.Property(name, XmlUnescape(inner));
  }
  return b.Enabled();
}

std::vector<SensitivityLabel> SensitivityLabelsFromLabelInfo(std::string_view xml) {
  std::vector<SensitivityLabel> out;
  for (std::size_t at = 0;;) {
    std::size_t open = xml.find("<", at);
    if (open == std::string_view::npos) break;
    const std::size_t tag_end = xml.find('>', open);
    if (tag_end == std::string_view::npos) break;
    at = tag_end + 1;
    std::string_view tag = xml.substr(open + 1, tag_end - open - 1);
    std::string_view elem = tag.substr(0, tag.find_first_of(" \t\r\n/"));
    if (auto colon = elem.find(':'); colon != std::string_view::npos) elem = elem.substr(colon + 1);
    if (elem != "label") continue;
    SensitivityLabel l;
    l.id = GuidLower(Attr(tag, "id"));
    const std::string enabled = Lower(Attr(tag, "enabled"));
    l.enabled = enabled == "1" || enabled == "true";
    if (l.enabled && !l.id.empty() && l.id.size() <= 64) out.push_back(std::move(l));
  }
  return out;
}

std::vector<SensitivityLabel> SensitivityLabelsFromPropertyLines(std::string_view text) {
  LabelBuilder b;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const std::size_t sep = line.find_first_of(":=");
    if (sep == std::string_view::npos) continue;
    std::string_view name = line.substr(0, sep);
    while (!name.empty() && IsSpace(name.back())) name.remove_suffix(1);
    while (!name.empty() && IsSpace(name.front())) name.remove_prefix(1);
    b.Property(name, line.substr(sep + 1));
  }
  return b.Enabled();
}

std::string MarkingOf(const SensitivityLabel& label) {
  return "msip:" + (label.name.empty() ? label.id : label.name);
}

// --- MarkingCollector ---------------------------------------------------------------------------

Status MarkingCollector::BeginPart(const PartInfo& part) {
  Frame f;
  std::string_view base = part.path;
  if (auto slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
  const std::string lower = Lower(base);
  f.header = lower.starts_with("header") || lower.starts_with("footer");
  f.properties = lower == "properties";
  frames_.push_back(std::move(f));
  return Status::Ok();
}

Status MarkingCollector::Data(std::string_view utf8) {
  if (frames_.empty()) return Status::Ok();
  Frame& f = frames_.back();
  const std::size_t window = f.header || f.properties ? std::size_t{64} << 10 : classifier_.config().window;
  f.total += utf8.size();
  if (f.head.size() < window) {
    const std::size_t take = std::min(window - f.head.size(), utf8.size());
    f.head.append(utf8.substr(0, take));
    utf8.remove_prefix(take);
  }
  if (!utf8.empty()) {
    // Keep the last `window` bytes seen after the head.
    if (utf8.size() >= window) {
      f.tail.assign(utf8.substr(utf8.size() - window));
    } else {
      f.tail.append(utf8);
      if (f.tail.size() > 2 * window) f.tail.erase(0, f.tail.size() - window);
    }
  }
  return Status::Ok();
}

Status MarkingCollector::EndPart() {
  if (frames_.empty()) return Status::Ok();
  Frame f = std::move(frames_.back());
  frames_.pop_back();
  const std::size_t window = classifier_.config().window;
  if (f.tail.size() > window) f.tail.erase(0, f.tail.size() - window);
  std::vector<std::string> found;
  if (f.properties) {
    // Document properties are metadata, not visible text: only sensitivity labels count there (a
    // label's name, "Highly Confidential", is also a property value and must not count twice).
    for (const auto& l : SensitivityLabelsFromPropertyLines(f.head)) found.push_back(MarkingOf(l));
  } else {
    classifier_.FindMarkings(f.head, f.header, found);
    if (!f.tail.empty()) classifier_.FindMarkings(f.tail, f.header, found);
  }
  for (auto& m : found) AddMarking(std::move(m));
  return Status::Ok();
}

void MarkingCollector::AddMarking(std::string marking) {
  if (markings_.size() >= 32) return;  // a document stamped a thousand times needs no thousand entries
  if (std::find(markings_.begin(), markings_.end(), marking) == markings_.end())
    markings_.push_back(std::move(marking));
}

}  // namespace leakguard::classify
