#include "detect/compiled_catalog.h"

#include "detect/catalog_cache.h"
#include "detect/literal_prefilter.h"
#include "detect/regex_shape.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace leakguard::detect {

HsScanFn HsScan() {
  static const HsScanFn fn = [] {
    const char* mode = std::getenv("LEAKGUARD_HS_DISPATCH");
    if (mode != nullptr && std::string_view(mode) == "native") return HsScanFn(&hs_scan);
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx2")) {
      if (void* sym = dlsym(RTLD_DEFAULT, "avx2_hs_scan")) return reinterpret_cast<HsScanFn>(sym);
    }
#endif
    return HsScanFn(&hs_scan);
  }();
  return fn;
}

const hs_platform_info_t* HsPlatform() {
  static const hs_platform_info_t platform = [] {
    hs_platform_info_t p{};
    hs_populate_platform(&p);
    if (HsScan() != HsScanFn(&hs_scan))
      p.cpu_features &= ~static_cast<unsigned long long>(HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI);
    return p;
  }();
  return &platform;
}

namespace {

constexpr std::size_t kDefaultLiteralMaxLength = 256;
constexpr std::size_t kDefaultDigitsMaxLength = 64;
constexpr std::size_t kDefaultContextMaxLength = 64;

std::string Where(const InfoTypeSpec& t, const PatternSpec& p) {
  // t.source is "file:line" of the type; the pattern has its own line.
  std::string file = t.source.substr(0, t.source.rfind(':'));
  return file + ":" + std::to_string(p.line) + ": info type " + t.id + ", pattern '" + p.id + "': ";
}

Result<Pcre2Code> CompilePcre2(const std::string& regex, bool caseless, std::string* error,
                               std::uint32_t extra_options = 0) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  std::uint32_t options = PCRE2_MULTILINE | (caseless ? PCRE2_CASELESS : 0) | extra_options;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(), options, &code,
                                 &offset, nullptr);
  if (re == nullptr) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    *error = "invalid regex at offset " + std::to_string(offset) + ": " + reinterpret_cast<char*>(msg);
    return Unexpected(Status::ParseError(*error));
  }
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);  // best effort: the interpreter is used when JIT is unavailable
  return Pcre2Code(re);
}

// Collects Vectorscan expressions; each is checked alone first so an error names its pattern, and
// falls back to prefilter mode when it uses constructs Vectorscan lacks (lookarounds, backreferences):
// PCRE2 confirms every candidate anyway.
class HsBuilder {
 public:
  // Records an expression; it is checked in Build, and only when the database is not in the cache
  // (checking hundreds of expressions costs tens of milliseconds at every start otherwise).
  void Add(const std::string& expr, unsigned flags, std::uint32_t id, const std::string& where) {
    exprs_.push_back(expr);
    flags_.push_back(flags);
    ids_.push_back(id);
    wheres_.push_back(where);
  }

  // Compiles the database, or loads it from the cache when the same expressions were compiled before
  // (compiling hundreds of patterns takes seconds; loading takes milliseconds). Only databases that
  // compiled are cached, so a cached one needs no further checks.
  Result<HsDatabase> Build(const char* what) {
    if (exprs_.empty()) return HsDatabase();
    const std::string cache_path = CachePath(what);
    if (!cache_path.empty()) {
      if (HsDatabase db = LoadCached(cache_path)) return db;
    }
    for (std::size_t i = 0; i < exprs_.size(); ++i)
      if (Status s = Check(i); !s.ok()) return Unexpected(s);
    for (int attempt = 0;; ++attempt) {
      std::vector<const char*> ptrs;
      for (const auto& e : exprs_) ptrs.push_back(e.c_str());
      hs_database_t* db = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_compile_multi(ptrs.data(), flags_.data(), ids_.data(), static_cast<unsigned>(ptrs.size()),
                           HS_MODE_BLOCK, HsPlatform(), &db, &err) == HS_SUCCESS) {
        if (!cache_path.empty()) StoreCached(cache_path, db);
        return HsDatabase(db);
      }
      int index = err ? err->expression : -1;
      std::string msg = err ? err->message : "unknown error";
      hs_free_compile_error(err);
      // An expression can pass alone and still be too large in the combined database: confirm-only
      // (prefilter) mode makes it smaller; PCRE2 still decides every match.
      if (index >= 0 && (flags_[index] & HS_FLAG_PREFILTER) == 0 && attempt < 64) {
        flags_[index] |= HS_FLAG_PREFILTER;
        continue;
      }
      std::string where = index >= 0 ? wheres_[index] : std::string();
      return Unexpected(Status::ParseError(where + "compiling the " + what + " database: " + msg));
    }
  }

 private:
  // Each expression alone first, so an error names its pattern; one Vectorscan cannot compile exactly
  // (lookarounds, backreferences) falls back to prefilter mode: PCRE2 confirms every candidate anyway.
  Status Check(std::size_t i) {
    const std::string& where = wheres_[i];
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_expression_info(exprs_[i].c_str(), flags_[i], &info, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      err = nullptr;
      flags_[i] |= HS_FLAG_PREFILTER;
      if (hs_expression_info(exprs_[i].c_str(), flags_[i], &info, &err) != HS_SUCCESS) {
        std::string msg = err ? err->message : "unknown error";
        hs_free_compile_error(err);
        return Status::ParseError(where + "pattern not supported by the matcher: " + msg);
      }
    }
    bool empty = info->min_width == 0;
    std::free(info);
    if (empty) return Status::ParseError(where + "pattern can match the empty string");
    return Status::Ok();
  }

  std::string CachePath(const char* what) const {
    const std::string dir = CacheDirectory();
    if (dir.empty()) return {};
    // FNV-1a over everything that decides the database's content.
    std::uint64_t hash = 1469598103934665603ull;
    auto mix = [&](std::string_view s) {
      for (unsigned char c : s) hash = (hash ^ c) * 1099511628211ull;
      hash = (hash ^ 0xff) * 1099511628211ull;
    };
    mix(hs_version());
    mix(std::to_string(HsPlatform()->cpu_features));
    mix(what);
    for (std::size_t i = 0; i < exprs_.size(); ++i) {
      mix(exprs_[i]);
      mix(std::to_string(flags_[i]) + "/" + std::to_string(ids_[i]));
    }
    char name[64];
    std::snprintf(name, sizeof name, "/%s-%016llx.hsdb", what, static_cast<unsigned long long>(hash));
    return dir + name;
  }

  static HsDatabase LoadCached(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return {};
    std::string bytes;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
    hs_database_t* db = nullptr;
    if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) return {};
    return HsDatabase(db);
  }

  // Best effort: a cache that cannot be written only costs compile time.
  static void StoreCached(const std::string& path, const hs_database_t* db) {
    char* bytes = nullptr;
    std::size_t length = 0;
    if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::string tmp = path + ".tmp" + std::to_string(::getpid());
    if (std::FILE* f = std::fopen(tmp.c_str(), "wb")) {
      bool ok = std::fwrite(bytes, 1, length, f) == length;
      ok = std::fclose(f) == 0 && ok;
      if (ok) std::filesystem::rename(tmp, path, ec);
      if (!ok || ec) std::filesystem::remove(tmp, ec);
    }
    std::free(bytes);
  }

  std::vector<std::string> exprs_;
  std::vector<unsigned> flags_;
  std::vector<unsigned> ids_;
  std::vector<std::string> wheres_;
};

// Whether every match of the regex suffix starting at `pos` begins with a word character [0-9A-Za-z_].
// Conservative: false whenever unsure.
bool StartsWithWordChar(std::string_view re, std::size_t pos, int depth = 0) {
  if (pos >= re.size() || depth > 8) return false;
  auto quantifier_allows_zero = [&](std::size_t after) {
    if (after >= re.size()) return false;
    char q = re[after];
    return q == '?' || q == '*' || (q == '{' && after + 1 < re.size() && re[after + 1] == '0');
  };
  auto word = [](unsigned char c) { return std::isalnum(c) || c == '_'; };
  char c = re[pos];
  if (c == '\\') {
    if (pos + 1 >= re.size()) return false;
    char e = re[pos + 1];
    return (e == 'd' || e == 'w') && !quantifier_allows_zero(pos + 2);
  }
  if (c == '[') {
    std::size_t i = pos + 1;
    if (i < re.size() && re[i] == '^') return false;
    bool any = false;
    for (; i < re.size() && re[i] != ']'; ++i) {
      unsigned char m = static_cast<unsigned char>(re[i]);
      if (m == '\\') {
        if (i + 1 >= re.size() || (re[i + 1] != 'd' && re[i + 1] != 'w')) return false;
        ++i;
      } else if (m == '-') {
        if (!any || i + 1 >= re.size() || re[i + 1] == ']') return false;  // a literal '-'
      } else if (!word(m)) {
        return false;
      }
      any = true;
    }
    return any && i < re.size() && !quantifier_allows_zero(i + 1);
  }
  if (c == '(') {
    std::size_t i = pos + 1;
    if (re.substr(i, 2) == "?:") {
      i += 2;
    } else if (i < re.size() && re[i] == '?') {
      return false;  // lookarounds, named groups, flags: not analysed
    }
    // Each top-level branch must start with a word character, and the group must not be optional.
    int level = 0;
    bool ok = StartsWithWordChar(re, i, depth + 1);
    for (std::size_t j = i; j < re.size() && ok; ++j) {
      if (re[j] == '\\') {
        ++j;
      } else if (re[j] == '[') {
        while (j < re.size() && re[j] != ']') j += re[j] == '\\' ? 2 : 1;
      } else if (re[j] == '(') {
        ++level;
      } else if (re[j] == ')') {
        if (level-- == 0) return !quantifier_allows_zero(j + 1);
      } else if (re[j] == '|' && level == 0) {
        ok = StartsWithWordChar(re, j + 1, depth + 1);
      }
    }
    return false;
  }
  return word(static_cast<unsigned char>(c)) && !quantifier_allows_zero(pos + 1);
}

// The expression Vectorscan searches for a regex. Vectorscan has no lookarounds and drops them in
// prefilter mode, so a digits pattern guarded by (?<![\w]) would report a match at every position of a
// long digit run. Where the guard precedes something that always starts with a word character, \b
// means the same thing and Vectorscan supports it.
std::string VectorscanExpression(const std::string& regex) {
  static constexpr std::string_view kGuards[] = {"(?<![\\w])", "(?<!\\w)"};
  std::string out = regex;
  for (std::string_view guard : kGuards) {
    for (std::size_t at = out.find(guard); at != std::string::npos; at = out.find(guard, at + 1)) {
      if (StartsWithWordChar(out, at + guard.size())) out.replace(at, guard.size(), "\\b");
    }
  }
  return out;
}

std::string ConfidenceRules(const InfoTypeSpec& t) {
  std::string out;
  for (const auto& p : t.patterns) {
    out += "Pattern '" + p.id + "' reports " + std::string(ConfidenceName(p.confidence));
    if (!p.validator.empty()) out += " when validator '" + p.validator + "' accepts the value";
    if (p.min_entropy > 0)
      out += " with entropy >= " + std::to_string(p.min_entropy).substr(0, 4) + " bits/char";
    out += ". ";
  }
  if (!t.context.words.empty()) {
    Confidence raised = t.context.confidence.value_or(Confidence::kHigh);
    out += "A context word within " + std::to_string(t.context.window_before) + " bytes before or " +
           std::to_string(t.context.window_after) + " bytes after the value ";
    out += t.context.confidence ? "sets it to " + std::string(ConfidenceName(raised)) : "raises it one level";
    out += t.context.required ? "; without one the candidate is dropped." : ".";
  }
  if (!t.exclusions.values.empty() || !t.exclusions.regexes.empty() || !t.exclusions.words.empty() ||
      !t.stopwords.empty())
    out += " Exclusions and stopwords suppress known placeholders and example values.";
  if (!t.exclusions.test_values.empty())
    out += t.exclusions.exclude_test_values
               ? " Well-known test values are suppressed."
               : " Well-known test values are reported (set exclude_test_values to suppress).";
  return out;
}

}  // namespace

CompiledCatalog::~CompiledCatalog() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
}

Result<std::unique_ptr<CompiledCatalog>> CompiledCatalog::Compile(Catalog catalog) {
  auto cc = std::unique_ptr<CompiledCatalog>(new CompiledCatalog());
  cc->catalog_ = std::move(catalog);
  std::erase_if(cc->catalog_.types, [](const InfoTypeSpec& t) { return t.disabled; });

  std::map<std::string, std::uint32_t> word_ids;
  auto word_id = [&](const std::string& w) {
    auto [it, inserted] = word_ids.emplace(w, static_cast<std::uint32_t>(cc->words_.size()));
    if (inserted) cc->words_.push_back(w);
    return it->second;
  };

  HsBuilder literal;
  std::size_t max_len = 0, max_window = 0, digits_max_len = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> context_pattern_words;  // (word, pattern)

  for (std::uint32_t ti = 0; ti < cc->catalog_.types.size(); ++ti) {
    const InfoTypeSpec& t = cc->catalog_.types[ti];
    CompiledType ct;
    ct.spec = &t;
    for (const auto& w : t.context.words) ct.context_words.push_back(word_id(w));
    for (const auto& w : t.exclusions.words) ct.exclusion_words.push_back(word_id(w));
    std::sort(ct.context_words.begin(), ct.context_words.end());
    ct.context_words.erase(std::unique(ct.context_words.begin(), ct.context_words.end()),
                           ct.context_words.end());
    std::sort(ct.exclusion_words.begin(), ct.exclusion_words.end());
    ct.exclusion_values.insert(t.exclusions.values.begin(), t.exclusions.values.end());
    ct.test_values.insert(t.exclusions.test_values.begin(), t.exclusions.test_values.end());
    for (const auto& r : t.exclusions.regexes) {
      std::string err;
      auto code = CompilePcre2(r, false, &err);
      if (!code)
        return Unexpected(Status::ParseError(t.source + ": info type " + t.id + ": exclusion regex: " + err));
      ct.exclusion_regexes.push_back(std::move(*code));
    }
    max_window = std::max({max_window, t.context.window_before, t.context.window_after});

    InfoTypeInfo info;
    info.id = t.id;
    info.name = t.name;
    info.category = t.category;
    info.description = t.description;
    info.context_words = t.context.words;
    info.context_required = t.context.required;
    info.valid_examples = t.valid_examples;
    info.invalid_examples = t.invalid_examples;
    info.builtin = t.builtin;
    info.source = t.source;
    info.confidence_rules = ConfidenceRules(t);

    for (const auto& p : t.patterns) {
      const std::string where = Where(t, p);
      CompiledPattern cp;
      cp.type_index = ti;
      cp.spec = &p;
      cp.rule = t.id + "/" + p.id;
      auto pattern_index = static_cast<std::uint32_t>(cc->patterns_.size());
      info.patterns.push_back(p.id + " [" + std::string(TriggerName(p.trigger)) + "]: " + p.summary);
      if (!p.validator.empty()) {
        cp.validator = FindValidator(p.validator);
        if (cp.validator == nullptr)
          return Unexpected(Status::ParseError(where + "unknown validator '" + p.validator + "'"));
        if (std::find(info.validators.begin(), info.validators.end(), p.validator) == info.validators.end())
          info.validators.push_back(p.validator);
      }
      if (!p.keywords.empty()) {
        cp.max_length = 0;
        for (const auto& k : p.keywords) {
          cp.max_length = std::max(cp.max_length, k.size());
          auto id = static_cast<std::uint32_t>(cc->literal_entries_.size());
          cc->literal_entries_.push_back(
              {LiteralEntry::Kind::kKeyword, pattern_index, static_cast<std::uint32_t>(k.size())});
          literal.Add(VectorscanLiteral(k), HS_FLAG_CASELESS, id, where);
        }
      } else {
        std::string err;
        // PCRE2_USE_OFFSET_LIMIT: a region search stops trying start positions after the region's
        // last start (scan_state.cc) instead of searching to the end of its subject.
        auto code = CompilePcre2(p.regex, p.case_insensitive, &err, PCRE2_USE_OFFSET_LIMIT);
        if (!code) return Unexpected(Status::ParseError(where + err));
        cp.code = std::move(*code);
        std::size_t jit_size = 0;
        cp.jit = pcre2_pattern_info(cp.code.get(), PCRE2_INFO_JITSIZE, &jit_size) == 0 && jit_size > 0;
        std::uint32_t min_length = 0;
        pcre2_pattern_info(cp.code.get(), PCRE2_INFO_MINLENGTH, &min_length);
        if (min_length == 0)
          return Unexpected(Status::ParseError(where + "pattern can match the empty string"));
        std::uint32_t captures = 0;
        pcre2_pattern_info(cp.code.get(), PCRE2_INFO_CAPTURECOUNT, &captures);
        cc->max_capture_count_ = std::max(cc->max_capture_count_, captures);
        if (!p.secret_group.empty()) {
          int n = pcre2_substring_number_from_name(cp.code.get(),
                                                   reinterpret_cast<PCRE2_SPTR>(p.secret_group.c_str()));
          if (n <= 0)
            return Unexpected(Status::ParseError(where + "no group named '" + p.secret_group +
                                                 "' (write (?<" + p.secret_group + ">…))"));
          cp.secret_group = static_cast<std::uint32_t>(n);
        }
        std::size_t def = p.trigger == Trigger::kDigits    ? kDefaultDigitsMaxLength
                          : p.trigger == Trigger::kContext ? kDefaultContextMaxLength
                                                           : kDefaultLiteralMaxLength;
        cp.max_length = p.max_length ? p.max_length : def;
        if (p.trigger == Trigger::kLiteral) {
          // What the literal database searches: the prefilter, else the literals every match
          // contains (a pure multi-literal scan; PCRE2 confirms around each hit), else the regex.
          unsigned flags = HS_FLAG_MULTILINE | (p.case_insensitive ? HS_FLAG_CASELESS : 0);
          cp.prefiltered = !p.prefilter.empty();
          cp.anchor = AnchorFinderFor(p.regex, p.prefilter, p.case_insensitive,
                                      p.prefilter_lead != 0 ? p.prefilter_lead : cp.max_length);
          if (cp.anchor != AnchorFinder::kNone) {
            auto anchored = CompilePcre2(p.regex, p.case_insensitive, &err, PCRE2_ANCHORED);
            if (!anchored) return Unexpected(Status::ParseError(where + err));
            cp.anchored = std::move(*anchored);
            cp.anchored_jit =
                pcre2_pattern_info(cp.anchored.get(), PCRE2_INFO_JITSIZE, &jit_size) == 0 && jit_size > 0;
            cc->anchored_patterns_.push_back(pattern_index);
            max_len = std::max(max_len, cp.max_length);
            cc->patterns_.push_back(std::move(cp));
            continue;
          }
          std::string hs_expr = p.prefilter;
          if (!cp.prefiltered) {
            if (auto lit = DeriveLiteralPrefilter(p.regex, p.case_insensitive)) {
              cp.prefiltered = true;
              hs_expr = lit->Expression();
              flags = lit->caseless ? HS_FLAG_CASELESS : 0;
            } else {
              hs_expr = VectorscanExpression(p.regex);
            }
          }
          auto id = static_cast<std::uint32_t>(cc->literal_entries_.size());
          cc->literal_entries_.push_back({LiteralEntry::Kind::kPattern, pattern_index, 0});
          literal.Add(hs_expr, flags, id, where);
        } else if (p.trigger == Trigger::kDigits) {
          // Confirmed with PCRE2 inside the numeric tokens whose shape fits (scan_state.cc).
          RegexShape shape = AnalyzeRegexShape(p.regex, p.case_insensitive);
          cp.min_digits = std::max(shape.min_digits, cp.validator ? cp.validator->min_digits : 0);
          cp.min_digit_run = shape.min_digit_run;
          cp.letters = shape.letters;
          cp.min_separators = shape.min_separators;
          cp.min_upper = shape.min_upper;
          cp.min_lower = shape.min_lower;
          if (shape.digit_run_min > 0 && shape.word_start) {
            // Starts at a group start and holds digits only: the token needs a digit group that long
            // (exactly, when the match cannot end inside a group).
            std::size_t lo = std::min<std::size_t>(shape.digit_run_min, 63);
            std::size_t hi = shape.word_end ? std::min<std::size_t>(shape.digit_run_max, 63) : 63;
            for (std::size_t n = lo; n <= hi; ++n) cp.digit_runs |= std::uint64_t{1} << n;
          }
          if (shape.alnum_run_min > 0 && shape.word_start && shape.word_end) {
            // Letters and digits only, between word guards: the match is a whole group of the token.
            std::size_t lo = std::min<std::size_t>(shape.alnum_run_min, 63);
            std::size_t hi = std::min<std::size_t>(shape.alnum_run_max, 63);
            for (std::size_t n = lo; n <= hi; ++n) cp.groups |= std::uint64_t{1} << n;
          }
          cp.prefix = std::move(shape.prefix);
          cp.word_start = shape.word_start;
          // Required literals of one byte add little to the separator and letter counts: skip them.
          if (auto lit = DeriveLiteralPrefilter(p.regex, p.case_insensitive, 2)) {
            cp.required = lit->literals;
            cp.required_caseless = lit->caseless;
          }
          cc->digit_patterns_.push_back(pattern_index);
          digits_max_len = std::max(digits_max_len, cp.max_length);
        } else {
          for (auto w : ct.context_words) context_pattern_words.emplace_back(w, pattern_index);
        }
      }
      max_len = std::max(max_len, cp.max_length);
      cc->patterns_.push_back(std::move(cp));
    }
    cc->types_.push_back(std::move(ct));
    cc->infos_.push_back(std::move(info));
  }

  // Context and exclusion words are looked for only around candidates (the words database), except
  // the words that trigger context patterns, which must be found everywhere (the literal database).
  cc->word_context_patterns_.resize(cc->words_.size());
  for (auto [w, p] : context_pattern_words) cc->word_context_patterns_[w].push_back(p);
  HsBuilder words;
  for (std::uint32_t w = 0; w < cc->words_.size(); ++w) {
    std::string where = "context word '" + cc->words_[w] + "': ";
    words.Add(VectorscanLiteral(cc->words_[w]), HS_FLAG_CASELESS, w, where);
    if (cc->word_context_patterns_[w].empty()) continue;
    auto id = static_cast<std::uint32_t>(cc->literal_entries_.size());
    cc->literal_entries_.push_back(
        {LiteralEntry::Kind::kWord, w, static_cast<std::uint32_t>(cc->words_[w].size())});
    literal.Add(VectorscanLiteral(cc->words_[w]), HS_FLAG_CASELESS, id, where);
  }
  auto words_db = words.Build("words");
  if (!words_db) return Unexpected(words_db.error());
  cc->words_db_ = std::move(*words_db);

  auto lit_db = literal.Build("literal");
  if (!lit_db) return Unexpected(lit_db.error());
  cc->literal_db_ = std::move(*lit_db);
  std::stable_sort(cc->digit_patterns_.begin(), cc->digit_patterns_.end(),
                   [&](std::uint32_t a, std::uint32_t b) {
                     return cc->patterns_[a].min_digits < cc->patterns_[b].min_digits;
                   });
  std::uint32_t next_bit = 0;
  for (std::uint32_t pi : cc->digit_patterns_) {
    CompiledPattern& p = cc->patterns_[pi];
    if (p.prefix.empty() || p.prefix.size() > kPrefixTableWidth || !p.word_start || next_bit == kPrefixBits)
      continue;
    p.prefix_bit = next_bit++;
    for (std::size_t i = 0; i < kPrefixTableWidth; ++i) {
      for (std::size_t b = 0; b <= 256; ++b) {
        bool fits = i >= p.prefix.size() || (b < 256 && p.prefix[i][b]);
        if (fits) (*cc->prefix_table_)[i][b].w[p.prefix_bit / 64] |= std::uint64_t{1} << (p.prefix_bit % 64);
      }
    }
  }
  cc->digit_patterns_by_features_.resize(std::size_t{1} << kTokenFeatureBits);
  for (std::uint32_t f = 0; f < cc->digit_patterns_by_features_.size(); ++f) {
    for (std::uint32_t pi : cc->digit_patterns_) {
      const CompiledPattern& p = cc->patterns_[pi];
      std::uint32_t needs = TokenFeatures(p.min_separators, p.min_upper, p.min_lower);
      if ((needs & ~f) != 0) continue;
      // Token counts stop at 65535: a pattern that needs more can never fit.
      if (p.min_digits > 65535 || p.min_digit_run > 65535 || p.min_upper > 65535 || p.min_lower > 65535)
        continue;
      DigitFilter filter;
      filter.digit_runs = p.digit_runs;
      filter.groups = p.groups;
      filter.min_separators = p.min_separators;
      filter.min_digits = static_cast<std::uint16_t>(p.min_digits);
      filter.min_digit_run = static_cast<std::uint16_t>(p.min_digit_run);
      filter.min_upper = static_cast<std::uint16_t>(p.min_upper);
      filter.min_lower = static_cast<std::uint16_t>(p.min_lower);
      filter.letters = p.letters;
      for (std::uint8_t n : p.min_separators) filter.any_separators = filter.any_separators || n != 0;
      filter.needs_pattern = (!p.prefix.empty() && p.prefix_bit == UINT32_MAX) || !p.required.empty();
      filter.pattern = pi;
      filter.prefix_bit = p.prefix_bit;
      cc->digit_patterns_by_features_[f].push_back(filter);
    }
  }
  // A group of letters and digits longer than the longest digits match cannot be inside one; chains
  // are cut into tokens that overlap by that length, so every match lies within one token.
  cc->numeric_rules_.max_group = std::max<std::size_t>(digits_max_len, 16);
  cc->numeric_rules_.overlap = cc->numeric_rules_.max_group;
  cc->numeric_rules_.max_length = 2 * cc->numeric_rules_.overlap + 64;
  cc->overlap_ = std::max<std::size_t>(4096, 2 * max_len + 2 * max_window + 256);

  for (const hs_database_t* db : {cc->literal_db_.get(), cc->words_db_.get()}) {
    if (db != nullptr && hs_alloc_scratch(db, &cc->scratch_) != HS_SUCCESS)
      return Unexpected(Status::Internal("cannot allocate matcher scratch space"));
  }
  return cc;
}

}  // namespace leakguard::detect
