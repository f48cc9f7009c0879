#include "detect/catalog.h"

#include "detect/literal_prefilter.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace leakguard::detect {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Error context for one YAML source.
class Loader {
 public:
  Loader(std::string_view source, bool builtin, Catalog& catalog)
      : source_(source), builtin_(builtin), catalog_(catalog) {}

  Status Load(std::string_view yaml) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
      return Status::ParseError(source_ + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!root || root.IsNull()) return Status::Ok();
    if (!root.IsMap())
      return Error(root, "", "the document must be a map (with 'infotypes:' / 'overrides:')");
    try {
      if (auto types = root["infotypes"]) {
        if (!types.IsSequence()) return Error(types, "", "'infotypes' must be a list");
        for (const auto& node : types) {
          Status s = LoadType(node);
          if (!s.ok()) return s;
        }
      }
      if (auto overrides = root["overrides"]) {
        if (!overrides.IsSequence()) return Error(overrides, "", "'overrides' must be a list");
        for (const auto& node : overrides) {
          Status s = ApplyOverride(node);
          if (!s.ok()) return s;
        }
      }
    } catch (const YAML::Exception& e) {
      return Status::ParseError(source_ + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    return Status::Ok();
  }

 private:
  static int Line(const YAML::Node& n) { return n.Mark().line + 1; }

  Status Error(const YAML::Node& n, const std::string& type_id, const std::string& msg) const {
    std::string out = source_ + ":" + std::to_string(Line(n)) + ": ";
    if (!type_id.empty()) out += "info type " + type_id + ": ";
    return Status::ParseError(out + msg);
  }

  static Status CheckKeys(const YAML::Node& n, std::initializer_list<std::string_view> allowed,
                          std::string* bad) {
    for (const auto& kv : n) {
      std::string key = kv.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        *bad = key;
        return Status::ParseError(key);
      }
    }
    return Status::Ok();
  }

  Status Keys(const YAML::Node& n, const std::string& id, std::initializer_list<std::string_view> allowed,
              std::string_view what) const {
    if (!n.IsMap()) return Error(n, id, std::string(what) + " must be a map");
    std::string bad;
    if (!CheckKeys(n, allowed, &bad).ok()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Error(n, id,
                   "unknown key '" + bad + "' in " + std::string(what) + " (expected one of: " + list + ")");
    }
    return Status::Ok();
  }

  Result<std::string> Str(const YAML::Node& n, const std::string& id, std::string_view what) const {
    if (!n.IsScalar()) return Unexpected(Error(n, id, std::string(what) + " must be a string"));
    return n.as<std::string>();
  }

  Result<std::vector<std::string>> StrList(const YAML::Node& n, const std::string& id,
                                           std::string_view what) const {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(n.as<std::string>());
      return out;
    }
    if (!n.IsSequence()) return Unexpected(Error(n, id, std::string(what) + " must be a list of strings"));
    for (const auto& item : n) {
      if (!item.IsScalar()) return Unexpected(Error(item, id, std::string(what) + " must hold strings"));
      out.push_back(item.as<std::string>());
    }
    return out;
  }

  Result<Confidence> Conf(const YAML::Node& n, const std::string& id) const {
    auto c = n.IsScalar() ? ParseConfidence(n.as<std::string>()) : std::nullopt;
    if (!c) return Unexpected(Error(n, id, "confidence must be low, medium or high"));
    return *c;
  }

  Result<std::size_t> Size(const YAML::Node& n, const std::string& id, std::string_view what,
                           std::size_t max) const {
    long long v = -1;
    try {
      v = n.as<long long>();
    } catch (const YAML::Exception&) {
    }
    if (v < 0 || static_cast<unsigned long long>(v) > max)
      return Unexpected(
          Error(n, id, std::string(what) + " must be a number from 0 to " + std::to_string(max)));
    return static_cast<std::size_t>(v);
  }

  Status LoadPattern(const YAML::Node& n, InfoTypeSpec& type) {
    const std::string& id = type.id;
    if (Status s =
            Keys(n, id,
                 {"id", "regex", "keywords", "assignment", "trigger", "confidence", "validator", "max_length",
                  "case_insensitive", "secret_group", "min_entropy", "prefilter", "prefilter_lead"},
                 "a pattern");
        !s.ok())
      return s;
    PatternSpec p;
    p.line = Line(n);
    if (!n["id"]) return Error(n, id, "pattern needs an 'id'");
    auto pid = Str(n["id"], id, "pattern id");
    if (!pid) return pid.error();
    p.id = *pid;
    for (const auto& other : type.patterns)
      if (other.id == p.id) return Error(n, id, "duplicate pattern id '" + p.id + "'");
    std::string where = "pattern '" + p.id + "': ";
    int kinds = (n["regex"] ? 1 : 0) + (n["keywords"] ? 1 : 0) + (n["assignment"] ? 1 : 0);
    if (kinds != 1) return Error(n, id, where + "needs exactly one of 'regex', 'keywords', 'assignment'");
    if (n["case_insensitive"]) p.case_insensitive = n["case_insensitive"].as<bool>();
    if (n["regex"]) {
      auto r = Str(n["regex"], id, "regex");
      if (!r) return r.error();
      if (r->empty()) return Error(n["regex"], id, where + "empty regex");
      p.regex = *r;
      p.summary = p.regex;
    } else if (n["keywords"]) {
      auto k = StrList(n["keywords"], id, "keywords");
      if (!k) return k.error();
      for (auto& w : *k) {
        if (w.empty()) return Error(n["keywords"], id, where + "empty keyword");
        p.keywords.push_back(w);
      }
      if (p.keywords.empty()) return Error(n["keywords"], id, where + "no keywords");
      p.summary = "keywords: ";
      for (std::size_t i = 0; i < p.keywords.size() && i < 8; ++i)
        p.summary += (i ? ", " : "") + p.keywords[i];
      if (p.keywords.size() > 8) p.summary += ", … (" + std::to_string(p.keywords.size()) + " words)";
    } else {
      const auto& a = n["assignment"];
      if (Status s = Keys(a, id, {"keywords", "value"}, "an assignment"); !s.ok()) return s;
      if (!a["keywords"] || !a["value"])
        return Error(a, id, where + "assignment needs 'keywords' and 'value'");
      auto k = StrList(a["keywords"], id, "assignment keywords");
      if (!k) return k.error();
      auto v = Str(a["value"], id, "assignment value");
      if (!v) return v.error();
      if (k->empty() || v->empty())
        return Error(a, id, where + "assignment keywords and value must not be empty");
      p.regex = ExpandAssignment(*k, *v);
      p.secret_group = "secret";
      // Only the keywords go to Vectorscan: one pass over a set of literals, whatever the value shape.
      p.prefilter = AssignmentPrefilter(*k);
      p.max_length = 32 + 64 + 512;
      std::string kw;
      for (const auto& w : *k) kw += (kw.empty() ? "" : "|") + w;
      p.summary = "assignment: (" + kw + ") = " + *v;
    }
    if (n["trigger"]) {
      std::string t = n["trigger"].as<std::string>();
      if (t == "literal") {
        p.trigger = Trigger::kLiteral;
      } else if (t == "digits") {
        p.trigger = Trigger::kDigits;
      } else if (t == "context") {
        p.trigger = Trigger::kContext;
      } else {
        return Error(n["trigger"], id, where + "trigger must be literal, digits or context");
      }
    }
    if (n["confidence"]) {
      auto c = Conf(n["confidence"], id);
      if (!c) return c.error();
      p.confidence = *c;
    }
    if (n["validator"]) {
      auto v = Str(n["validator"], id, "validator");
      if (!v) return v.error();
      p.validator = *v;
    }
    if (n["max_length"]) {
      auto m = Size(n["max_length"], id, "max_length", 16384);
      if (!m) return m.error();
      if (*m == 0) return Error(n["max_length"], id, where + "max_length must be at least 1");
      p.max_length = *m;
    }
    if (n["secret_group"]) {
      auto g = Str(n["secret_group"], id, "secret_group");
      if (!g) return g.error();
      p.secret_group = *g;
    }
    if (n["prefilter"]) {
      auto f = Str(n["prefilter"], id, "prefilter");
      if (!f) return f.error();
      if (f->empty()) return Error(n["prefilter"], id, where + "empty prefilter");
      p.prefilter = *f;
    }
    if (n["prefilter_lead"]) {
      if (!n["prefilter"]) return Error(n["prefilter_lead"], id, where + "prefilter_lead needs a prefilter");
      auto m = Size(n["prefilter_lead"], id, "prefilter_lead", 16384);
      if (!m) return m.error();
      if (*m == 0) return Error(n["prefilter_lead"], id, where + "prefilter_lead must be at least 1");
      p.prefilter_lead = *m;
    }
    if (n["min_entropy"]) {
      double e = -1;
      try {
        e = n["min_entropy"].as<double>();
      } catch (const YAML::Exception&) {
      }
      if (e < 0 || e > 8) return Error(n["min_entropy"], id, where + "min_entropy must be between 0 and 8");
      p.min_entropy = e;
    }
    if (!p.keywords.empty() &&
        (p.trigger != Trigger::kLiteral || !p.secret_group.empty() || !p.prefilter.empty()))
      return Error(n, id, where + "keyword patterns take no trigger, secret_group or prefilter");
    // Digits patterns are tried in numeric tokens and context patterns around their words: a prefilter
    // would be ignored there, so it is refused.
    if (!p.prefilter.empty() && p.trigger != Trigger::kLiteral)
      return Error(n, id, where + "only literal-trigger patterns take a prefilter");
    type.patterns.push_back(std::move(p));
    return Status::Ok();
  }

  Status LoadContext(const YAML::Node& n, InfoTypeSpec& type) {
    const std::string& id = type.id;
    if (Status s =
            Keys(n, id, {"words", "window_before", "window_after", "confidence", "required"}, "context");
        !s.ok())
      return s;
    if (n["words"]) {
      auto w = StrList(n["words"], id, "context words");
      if (!w) return w.error();
      for (auto& word : *w) {
        if (word.size() < 2)
          return Error(n["words"], id, "context word '" + word + "' is shorter than 2 characters");
        type.context.words.push_back(Lower(word));
      }
    }
    if (n["window_before"]) {
      auto v = Size(n["window_before"], id, "window_before", 4096);
      if (!v) return v.error();
      type.context.window_before = *v;
    }
    if (n["window_after"]) {
      auto v = Size(n["window_after"], id, "window_after", 4096);
      if (!v) return v.error();
      type.context.window_after = *v;
    }
    if (n["confidence"]) {
      auto c = Conf(n["confidence"], id);
      if (!c) return c.error();
      type.context.confidence = *c;
    }
    if (n["required"]) type.context.required = n["required"].as<bool>();
    return Status::Ok();
  }

  Status LoadExclusions(const YAML::Node& n, InfoTypeSpec& type) {
    const std::string& id = type.id;
    if (Status s =
            Keys(n, id, {"values", "regexes", "words", "test_values", "exclude_test_values"}, "exclusions");
        !s.ok())
      return s;
    if (n["values"]) {
      auto v = StrList(n["values"], id, "exclusion values");
      if (!v) return v.error();
      for (auto& x : *v) type.exclusions.values.push_back(NormalizeValue(x));
    }
    if (n["regexes"]) {
      auto v = StrList(n["regexes"], id, "exclusion regexes");
      if (!v) return v.error();
      for (auto& x : *v) type.exclusions.regexes.push_back(x);
    }
    if (n["words"]) {
      auto v = StrList(n["words"], id, "exclusion words");
      if (!v) return v.error();
      for (auto& x : *v) {
        if (x.size() < 2)
          return Error(n["words"], id, "exclusion word '" + x + "' is shorter than 2 characters");
        type.exclusions.words.push_back(Lower(x));
      }
    }
    if (n["test_values"]) {
      auto v = StrList(n["test_values"], id, "test values");
      if (!v) return v.error();
      for (auto& x : *v) type.exclusions.test_values.push_back(NormalizeValue(x));
    }
    if (n["exclude_test_values"]) type.exclusions.exclude_test_values = n["exclude_test_values"].as<bool>();
    return Status::Ok();
  }

  Status LoadStopwords(const YAML::Node& n, InfoTypeSpec& type) {
    auto v = StrList(n, type.id, "stopwords");
    if (!v) return v.error();
    for (auto& x : *v) {
      if (x.empty()) return Error(n, type.id, "empty stopword");
      type.stopwords.push_back(Lower(x));
    }
    return Status::Ok();
  }

  Status LoadMask(const YAML::Node& n, InfoTypeSpec& type) {
    if (Status s = Keys(n, type.id, {"keep_first", "keep_last"}, "mask"); !s.ok()) return s;
    if (n["keep_first"]) {
      auto v = Size(n["keep_first"], type.id, "keep_first", 64);
      if (!v) return v.error();
      type.mask.keep_first = static_cast<int>(*v);
    }
    if (n["keep_last"]) {
      auto v = Size(n["keep_last"], type.id, "keep_last", 64);
      if (!v) return v.error();
      type.mask.keep_last = static_cast<int>(*v);
    }
    return Status::Ok();
  }

  Status LoadSpecificity(const YAML::Node& n, InfoTypeSpec& type) {
    auto v = Size(n, type.id, "specificity", 100);
    if (!v) return v.error();
    type.specificity = static_cast<int>(*v);
    return Status::Ok();
  }

  Status LoadType(const YAML::Node& n) {
    if (!n.IsMap()) return Error(n, "", "each info type must be a map");
    std::string id = n["id"] && n["id"].IsScalar() ? n["id"].as<std::string>() : "";
    if (id.empty()) return Error(n, "", "info type needs an 'id'");
    bool id_ok = std::isupper(static_cast<unsigned char>(id[0]));
    for (char c : id)
      id_ok = id_ok && (std::isupper(static_cast<unsigned char>(c)) ||
                        std::isdigit(static_cast<unsigned char>(c)) || c == '_');
    if (!id_ok)
      return Error(n["id"], id, "id must be upper-case letters, digits and '_', starting with a letter");
    if (Status s = Keys(n, id,
                        {"id", "name", "category", "description", "specificity", "patterns", "context",
                         "exclusions", "stopwords", "mask", "examples", "disabled"},
                        "an info type");
        !s.ok())
      return s;
    for (const auto& other : catalog_.types)
      if (other.id == id) return Error(n["id"], id, "defined twice (first at " + other.source + ")");
    InfoTypeSpec t;
    t.id = id;
    t.builtin = builtin_;
    t.source = source_ + ":" + std::to_string(Line(n));
    t.name = n["name"] ? n["name"].as<std::string>() : id;
    t.category = n["category"] ? n["category"].as<std::string>() : (builtin_ ? "other" : "custom");
    if (n["description"]) t.description = n["description"].as<std::string>();
    while (!t.description.empty() && std::isspace(static_cast<unsigned char>(t.description.back())))
      t.description.pop_back();
    if (n["disabled"]) t.disabled = n["disabled"].as<bool>();
    if (n["specificity"])
      if (Status s = LoadSpecificity(n["specificity"], t); !s.ok()) return s;
    if (!n["patterns"] || !n["patterns"].IsSequence() || n["patterns"].size() == 0)
      return Error(n, id, "needs a non-empty 'patterns' list");
    for (const auto& p : n["patterns"])
      if (Status s = LoadPattern(p, t); !s.ok()) return s;
    if (n["context"])
      if (Status s = LoadContext(n["context"], t); !s.ok()) return s;
    if (n["exclusions"])
      if (Status s = LoadExclusions(n["exclusions"], t); !s.ok()) return s;
    if (n["stopwords"])
      if (Status s = LoadStopwords(n["stopwords"], t); !s.ok()) return s;
    if (n["mask"])
      if (Status s = LoadMask(n["mask"], t); !s.ok()) return s;
    if (const auto& ex = n["examples"]) {
      if (Status s = Keys(ex, id, {"valid", "invalid"}, "examples"); !s.ok()) return s;
      if (ex["valid"]) {
        auto v = StrList(ex["valid"], id, "valid examples");
        if (!v) return v.error();
        t.valid_examples = *v;
      }
      if (ex["invalid"]) {
        auto v = StrList(ex["invalid"], id, "invalid examples");
        if (!v) return v.error();
        t.invalid_examples = *v;
      }
    }
    bool has_context_trigger = false;
    for (const auto& p : t.patterns) has_context_trigger |= p.trigger == Trigger::kContext;
    if ((t.context.required || has_context_trigger) && t.context.words.empty())
      return Error(n, id,
                   "context is required (or a pattern has trigger: context) but there are no context words");
    catalog_.types.push_back(std::move(t));
    return Status::Ok();
  }

  Status ApplyOverride(const YAML::Node& n) {
    if (!n.IsMap()) return Error(n, "", "each override must be a map");
    std::string id = n["id"] && n["id"].IsScalar() ? n["id"].as<std::string>() : "";
    if (id.empty()) return Error(n, "", "override needs the 'id' of an existing info type");
    if (Status s = Keys(
            n, id,
            {"id", "disabled", "context", "exclusions", "stopwords", "specificity", "mask", "confidence"},
            "an override");
        !s.ok())
      return s;
    auto it = std::find_if(catalog_.types.begin(), catalog_.types.end(),
                           [&](const InfoTypeSpec& t) { return t.id == id; });
    if (it == catalog_.types.end()) return Error(n["id"], id, "override of an unknown info type");
    InfoTypeSpec& t = *it;
    if (n["disabled"]) t.disabled = n["disabled"].as<bool>();
    if (n["context"]) {
      // Words are added to the built-in ones; windows, confidence and `required` replace them.
      if (Status s = LoadContext(n["context"], t); !s.ok()) return s;
    }
    if (n["exclusions"])
      if (Status s = LoadExclusions(n["exclusions"], t); !s.ok()) return s;
    if (n["stopwords"])
      if (Status s = LoadStopwords(n["stopwords"], t); !s.ok()) return s;
    if (n["specificity"])
      if (Status s = LoadSpecificity(n["specificity"], t); !s.ok()) return s;
    if (n["mask"])
      if (Status s = LoadMask(n["mask"], t); !s.ok()) return s;
    if (n["confidence"]) {
      auto c = Conf(n["confidence"], id);
      if (!c) return c.error();
      for (auto& p : t.patterns) p.confidence = *c;
    }
    return Status::Ok();
  }

  std::string source_;
  bool builtin_;
  Catalog& catalog_;
};

}  // namespace

std::string_view TriggerName(Trigger t) {
  switch (t) {
    case Trigger::kLiteral:
      return "literal";
    case Trigger::kDigits:
      return "digits";
    case Trigger::kContext:
      return "context";
  }
  return "literal";
}

std::string NormalizeValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string AssignmentPrefilter(const std::vector<std::string>& keywords) {
  return "(?i:" + VectorscanAlternation(keywords) + ")";
}

std::string ExpandAssignment(const std::vector<std::string>& keywords, std::string_view value_regex) {
  std::string kw;
  for (const auto& w : keywords) {
    if (!kw.empty()) kw += '|';
    for (char c : w) {
      if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) kw += '\\';
      kw += c;
    }
  }
  // keyword, a little of the variable name (or a type word: `var xToken string = …`), quotes, an
  // assignment operator (`.=` too), quotes, the value, and an
  // end: a quote, a delimiter, an escaped newline or the end of the line.
  return "(?i:" + kw +
         ")[ "
         "\\t\\w.-]{0,20}[\\s'\"]{0,3}(?:=|>|:{1,3}=?|\\|\\|:|<=|=>|\\?=|\\.=|,)[\\s'\"`=]{0,5}(?<secret>" +
         std::string(value_regex) + ")(?=[\\s'\"`;,)\\]}<]|\\\\[nrt]|$)";
}

Status LoadCatalogYaml(std::string_view source_name, std::string_view yaml, bool builtin, Catalog& catalog) {
  Loader loader(source_name, builtin, catalog);
  return loader.Load(yaml);
}

}  // namespace leakguard::detect
