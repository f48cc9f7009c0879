#include "policy/yaml_util.h"

#include <algorithm>
#include <cctype>

namespace leakguard::policy {

std::vector<std::string> Errors::list() const {
  auto sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& e : sorted) out.push_back(std::move(e.second));
  return out;
}

Status Errors::ToStatus() const {
  constexpr std::size_t kMax = 200;
  const std::vector<std::string> sorted = list();
  std::string m;
  for (std::size_t i = 0; i < sorted.size() && i < kMax; ++i) {
    if (i) m += '\n';
    m += sorted[i];
  }
  if (errors_.size() > kMax)
    m += "\n" + source_ + ": ... and " + std::to_string(errors_.size() - kMax) + " more errors";
  return Status::ParseError(std::move(m));
}

std::optional<YAML::Node> ParseYaml(std::string_view text, Errors& errors) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    errors.Add(e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg);
  } catch (const std::exception& e) {
    errors.Add(0, e.what());
  }
  return std::nullopt;
}

std::optional<std::string> GetString(const YAML::Node& n, std::string_view what, Errors& errors) {
  if (!n.IsScalar()) {
    errors.Add(n, std::string(what) + " must be a string");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<bool> GetBool(const YAML::Node& n, std::string_view what, Errors& errors) {
  if (n.IsScalar()) {
    const std::string v = Lower(n.Scalar());
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
  }
  errors.Add(n, std::string(what) + " must be true or false");
  return std::nullopt;
}

std::optional<std::int64_t> GetInt(const YAML::Node& n, std::string_view what, std::int64_t min,
                                   std::int64_t max, Errors& errors) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    std::int64_t v = 0;
    bool ok = !s.empty() && s.size() <= 18;
    for (char c : s) {
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      v = v * 10 + (c - '0');
    }
    if (ok && v >= min && v <= max) return v;
  }
  errors.Add(n, std::string(what) + " must be a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max));
  return std::nullopt;
}

std::optional<std::vector<std::string>> GetStrings(const YAML::Node& n, std::string_view what,
                                                   Errors& errors) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (n.IsSequence()) {
    bool ok = true;
    for (const auto& item : n) {
      if (!item.IsScalar()) {
        errors.Add(item, std::string(what) + " must be a list of strings");
        ok = false;
        continue;
      }
      out.push_back(item.Scalar());
    }
    if (ok) return out;
    return std::nullopt;
  }
  errors.Add(n, std::string(what) + " must be a string or a list of strings");
  return std::nullopt;
}

void CheckKeys(const YAML::Node& n, std::initializer_list<std::string_view> known, std::string_view where,
               Errors& errors) {
  if (!n.IsMap()) return;
  for (const auto& kv : n) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string expected;
    for (auto k : known) {
      if (!expected.empty()) expected += ", ";
      expected += k;
    }
    errors.Add(kv.first, "unknown key '" + key.substr(0, 64) + "' in " + std::string(where) +
                             " (expected: " + expected + ")");
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point: linear in practice, no recursion.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && eq(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace leakguard::policy
