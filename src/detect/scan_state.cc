#include "detect/scan_state.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "detect/mask.h"

namespace leakguard::detect {
namespace {

constexpr std::uint32_t kMatchLimit = 200000;  // PCRE2 backtracking bound per match attempt
constexpr std::size_t kLookahead = 64;         // bytes after a region that assertions may look at

// ASCII classes without the locale (std::isalnum is a library call, and these run per byte).
inline bool IsDigitChar(unsigned char c) { return static_cast<unsigned char>(c - '0') < 10; }
inline bool IsAlpha(unsigned char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }
inline bool IsUpper(unsigned char c) { return static_cast<unsigned char>(c - 'A') < 26; }
inline bool IsLower(unsigned char c) { return static_cast<unsigned char>(c - 'a') < 26; }
inline bool IsAlnum(unsigned char c) { return IsDigitChar(c) || IsAlpha(c); }
inline bool IsWordChar(unsigned char c) { return IsAlnum(c) || c == '_'; }

Confidence Raise(Confidence c) { return c == Confidence::kLow ? Confidence::kMedium : Confidence::kHigh; }

bool ContainsWordId(const std::vector<std::uint32_t>& sorted, std::uint32_t id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

}  // namespace

ScanState::ScanState(const CompiledCatalog& catalog) : catalog_(catalog) {
  if (catalog_.prototype_scratch() != nullptr) hs_clone_scratch(catalog_.prototype_scratch(), &scratch_);
  match_data_ = pcre2_match_data_create(catalog_.max_capture_count() + 1, nullptr);
  match_context_ = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(match_context_, kMatchLimit);
  pcre2_set_depth_limit(match_context_, kMatchLimit);
  region_context_ = pcre2_match_context_copy(match_context_);
  profile_.reset(ScanProfile::Create(catalog_));
}

ScanState::~ScanState() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
  pcre2_match_data_free(match_data_);
  pcre2_match_context_free(match_context_);
  pcre2_match_context_free(region_context_);
}

void ScanState::Begin(const ScanOptions& options, FindingSink sink) {
  options_ = options;
  sink_ = std::move(sink);
  const auto& types = catalog_.types();
  type_enabled_.assign(types.size(), options_.types.empty());
  for (const auto& id : options_.types)
    for (std::size_t i = 0; i < types.size(); ++i)
      if (types[i].spec->id == id) type_enabled_[i] = true;
  total_ = 0;
  next_segment_ = 0;
  buffer_.clear();
  buffer_base_ = 0;
  lines_before_ = 0;
  line_start_ = 0;
  // Structure context (ScanOptions::context: a column header, a JSON key): the context words in it
  // count at distance 0 for every candidate, and context-triggered patterns search the whole part.
  structural_words_.clear();
  structural_patterns_.clear();
  if (!options_.context.empty() && catalog_.words_db() != nullptr) {
    for (const std::string& header : options_.context) {
      std::string norm;  // "card_number", "cardNumber" -> "card number"
      for (std::size_t i = 0; i < header.size() && i < 256; ++i) {
        char ch = header[i];
        if (i > 0 && std::isupper(static_cast<unsigned char>(ch)) &&
            std::islower(static_cast<unsigned char>(header[i - 1])))
          norm += ' ';
        norm += (ch == '_' || ch == '-' || ch == '.' || ch == '/') ? ' ' : ch;
      }
      window_ = norm.data();
      window_size_ = norm.size();
      word_window_offset_ = 0;
      words_.clear();
      HsScan()(catalog_.words_db(), norm.data(), static_cast<unsigned>(norm.size()), 0, scratch_,
               &ScanState::OnWord, this);
      for (const WordHit& h : words_) structural_words_.push_back(h.word);
    }
    words_.clear();
    window_ = nullptr;
    window_size_ = 0;
    std::sort(structural_words_.begin(), structural_words_.end());
    structural_words_.erase(std::unique(structural_words_.begin(), structural_words_.end()),
                            structural_words_.end());
    for (std::uint32_t p = 0; p < catalog_.patterns().size(); ++p) {
      const CompiledPattern& cp = catalog_.patterns()[p];
      if (cp.spec->trigger != Trigger::kContext) continue;
      for (std::uint32_t w : structural_words_)
        if (ContainsWordId(types[cp.type_index].context_words, w)) {
          structural_patterns_.push_back(p);
          break;
        }
    }
  }
}

void ScanState::ScanAll(std::string_view data) {
  total_ = data.size();
  const std::uint64_t overlap = catalog_.overlap();
  while (next_segment_ < total_) {
    std::uint64_t own_end = std::min(total_, next_segment_ + kSegmentSize);
    std::uint64_t begin = next_segment_ > overlap ? next_segment_ - overlap : 0;
    std::uint64_t end = std::min(total_, own_end + overlap);
    ScanWindow(data.data() + begin, end - begin, begin, next_segment_, own_end);
    next_segment_ = own_end;
  }
}

void ScanState::Write(std::string_view chunk) {
  buffer_.append(chunk.data(), chunk.size());
  total_ += chunk.size();
  ProcessReadySegments(false);
}

void ScanState::Finish() { ProcessReadySegments(true); }

void ScanState::ProcessReadySegments(bool at_end) {
  const std::uint64_t overlap = catalog_.overlap();
  while (next_segment_ < total_) {
    std::uint64_t own_end = std::min(total_, next_segment_ + kSegmentSize);
    std::uint64_t end = own_end + overlap;
    // Scan a segment once everything its window needs has arrived (or the stream has ended).
    if (end > total_) {
      if (!at_end) break;
      end = total_;
    }
    if (own_end < next_segment_ + kSegmentSize && !at_end) break;
    std::uint64_t begin = next_segment_ > overlap ? next_segment_ - overlap : 0;
    ScanWindow(buffer_.data() + (begin - buffer_base_), end - begin, begin, next_segment_, own_end);
    next_segment_ = own_end;
    // Keep only what the next window needs.
    std::uint64_t keep_from = next_segment_ > overlap ? next_segment_ - overlap : 0;
    if (keep_from > buffer_base_) {
      buffer_.erase(0, keep_from - buffer_base_);
      buffer_base_ = keep_from;
    }
  }
}

int ScanState::OnLiteral(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
                         void* ctx) {
  auto* self = static_cast<ScanState*>(ctx);
  const LiteralEntry& e = self->catalog_.literal_entries()[id];
  auto end = static_cast<std::uint32_t>(to);
  switch (e.kind) {
    case LiteralEntry::Kind::kPattern:
      self->AddRegion(e.index, end);
      break;
    case LiteralEntry::Kind::kKeyword: {
      std::uint32_t start = end - e.length;
      if (self->WordStart(self->window_, start)) self->regions_.push_back({e.index, start, start, end});
      break;
    }
    case LiteralEntry::Kind::kWord: {
      std::uint32_t start = end - e.length;
      if (self->WordStart(self->window_, start) && self->WordEnd(self->window_, start, end))
        self->words_.push_back({e.index, start, end});
      break;
    }
  }
  return 0;
}

int ScanState::OnWord(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
                      void* ctx) {
  auto* self = static_cast<ScanState*>(ctx);
  auto end = static_cast<std::uint32_t>(to) + self->word_window_offset_;
  auto start = end - static_cast<std::uint32_t>(self->catalog_.words()[id].size());
  if (self->WordStart(self->window_, start) && self->WordEnd(self->window_, start, end))
    self->words_.push_back({id, start, end});
  return 0;
}

void ScanState::AddRegion(std::uint32_t pattern, std::uint32_t end) {
  // The match ends at `end`, or (prefilter) contains the prefilter match that ends there: it starts at
  // most max_length (or the pattern's prefilter_lead) before `end`, and no later than `end`.
  const CompiledPattern& p = catalog_.patterns()[pattern];
  auto max_len = static_cast<std::uint32_t>(p.max_length);
  auto lead = static_cast<std::uint32_t>(p.spec->prefilter_lead != 0 ? p.spec->prefilter_lead : p.max_length);
  std::uint32_t begin = end > lead ? end - lead : 0;
  std::uint32_t subject_end =
      p.prefiltered
          ? static_cast<std::uint32_t>(std::min<std::size_t>(window_size_, std::size_t{end} + max_len))
          : end;
  AddSpan(pattern, begin, end, subject_end);
}

void ScanState::AddSpan(std::uint32_t pattern, std::uint32_t begin, std::uint32_t last_start,
                        std::uint32_t end) {
  // Hits arrive in increasing order: extend the pattern's last region instead of adding an
  // overlapping one.
  std::uint32_t& last = last_region_[pattern];
  if (last != kNoRegion && regions_[last].last_start >= begin) {
    regions_[last].last_start = std::max(regions_[last].last_start, last_start);
    regions_[last].end = std::max(regions_[last].end, end);
    return;
  }
  last = static_cast<std::uint32_t>(regions_.size());
  regions_.push_back({pattern, begin, last_start, end});
}

void ScanState::ComputeTokenPrefixes(const char* window, const NumericToken& t) {
  // The prefix tables, once per token for every pattern: the patterns whose prefix fits at one of the
  // token's word starts.
  const PrefixTable& table = catalog_.prefix_table();
  token_prefixes_ = PrefixBits{};
  for (std::uint32_t q = t.begin; q < t.end; ++q) {
    if (q > 0 && IsWordChar(static_cast<unsigned char>(window[q - 1]))) continue;
    PrefixBits at;
    for (std::size_t w = 0; w < kPrefixBits / 64; ++w) at.w[w] = ~std::uint64_t{0};
    for (std::size_t i = 0; i < kPrefixTableWidth; ++i) {
      const PrefixBits& row = table[i][q + i < t.end ? static_cast<unsigned char>(window[q + i]) : 256];
      for (std::size_t w = 0; w < kPrefixBits / 64; ++w) at.w[w] &= row.w[w];
    }
    for (std::size_t w = 0; w < kPrefixBits / 64; ++w) token_prefixes_.w[w] |= at.w[w];
  }
  token_prefixes_ready_ = true;
}

bool ScanState::TokenFits(const CompiledPattern& p, const char* window, const NumericToken& t) {
  // What the DigitFilter does not check: a prefix outside the prefix tables, required literals.
  const std::size_t k = p.prefix.size();
  if (k > 0 && p.prefix_bit == UINT32_MAX) {
    auto fits_at = [&](std::size_t q) {
      std::size_t i = 0;
      while (i < k && p.prefix[i][static_cast<unsigned char>(window[q + i])]) ++i;
      return i == k;
    };
    bool found = false;
    if (p.word_start) {  // only where a word starts
      for (std::size_t q = t.begin; !found && q + k <= t.end; ++q)
        if (q == 0 || !IsWordChar(static_cast<unsigned char>(window[q - 1]))) found = fits_at(q);
    } else {
      for (std::size_t q = t.begin; !found && q + k <= t.end; ++q) found = fits_at(q);
    }
    if (!found) return false;
  }
  if (!p.required.empty()) {
    std::string_view token(window + t.begin, t.end - t.begin);
    auto contains = [&](const std::string& lit) {
      if (!p.required_caseless) return token.find(lit) != std::string_view::npos;
      auto eq = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; };
      return std::search(token.begin(), token.end(), lit.begin(), lit.end(), eq) != token.end();
    };
    if (std::none_of(p.required.begin(), p.required.end(), contains)) return false;
  }
  return true;
}

void ScanState::FindNumericCandidates(const char* window, std::size_t size) {
  // Each `trigger: digits` pattern is confirmed only in the numeric tokens that have enough digits,
  // a place where its first characters fit, and one of its required literals.
  tokens_.clear();
  FindNumericTokens(window, size, catalog_.numeric_rules(), tokens_);
  const auto& patterns = catalog_.patterns();
  for (const NumericToken& t : tokens_) {
    token_prefixes_ready_ = false;
    // Cheapest and most selective checks first.
    for (const DigitFilter& f : catalog_.digit_patterns(TokenFeatures(t.separators, t.upper, t.lower))) {
      if (f.min_digits > t.digits) break;  // sorted by min_digits
      if ((f.letters ? t.digits : t.chain_digits) < f.min_digits || t.digit_run < f.min_digit_run) continue;
      if (f.digit_runs != 0 && (f.digit_runs & t.digit_runs) == 0) continue;
      if (f.groups != 0 && (f.groups & t.groups) == 0) continue;
      if (t.upper < f.min_upper || t.lower < f.min_lower) continue;
      if (f.any_separators) {
        bool enough = true;
        for (std::size_t k = 0; k < t.separators.size(); ++k)
          enough &= t.separators[k] >= f.min_separators[k];
        if (!enough) continue;
      }
      if (f.prefix_bit != UINT32_MAX) {
        if (!token_prefixes_ready_) ComputeTokenPrefixes(window, t);
        if (!token_prefixes_.test(f.prefix_bit)) continue;
      }
      if (f.needs_pattern && !TokenFits(patterns[f.pattern], window, t)) continue;
      AddSpan(f.pattern, t.begin, t.end, t.end);
    }
  }
}

bool ScanState::WordStart(const char* window, std::size_t pos) const {
  if (pos == 0) return true;  // the window start: the overlap makes this rare and harmless
  auto prev = static_cast<unsigned char>(window[pos - 1]);
  auto cur = static_cast<unsigned char>(window[pos]);
  if (!IsAlnum(prev)) return true;
  return IsLower(prev) && IsUpper(cur);  // camelCase: "cardNumber", "userSsn"
}

bool ScanState::WordEnd(const char* window, std::size_t start, std::size_t end) const {
  // Context words must end at a word end, a plural 's', or a camelCase/snake_case join ("cardNumber",
  // "card_no"); "sin" does not match inside "since", nor "card" inside "cardigan".
  auto at = [&](std::size_t i) -> unsigned char {
    return i < window_size_ ? static_cast<unsigned char>(window[i]) : 0;
  };
  unsigned char next = at(end);
  if (!IsAlpha(next) || !IsAlnum(at(end - 1))) return true;
  bool word_upper = IsUpper(at(end - 1)) && IsUpper(at(start));
  bool plural = (next == 's' || next == 'S') && !IsAlpha(at(end + 1));
  if (plural) return true;
  if (IsLower(next)) return false;
  return !word_upper;  // "cardNumber" yes; "CARDIGAN" no
}

void ScanState::ScanWindow(const char* window, std::size_t size, std::uint64_t base, std::uint64_t own_begin,
                           std::uint64_t own_end) {
  window_ = window;
  window_size_ = size;
  words_.clear();
  regions_.clear();
  last_region_.assign(catalog_.patterns().size(), kNoRegion);
  candidates_.clear();
  std::uint64_t t0 = profile_ ? ScanProfile::Now() : 0;
  if (profile_) profile_->AddBytes(own_end - own_begin);

  if (const hs_database_t* db = catalog_.literal_db()) {
    HsScan()(db, window, static_cast<unsigned>(size), 0, scratch_, &ScanState::OnLiteral, this);
  }
  if (profile_) {
    profile_->AddPhase(ScanProfile::kLiteralScan, t0);
    profile_->Count("literal regions", regions_.size());
    profile_->Count("literal word hits", words_.size());
    t0 = ScanProfile::Now();
  }
  if (!catalog_.digit_patterns().empty()) {
    std::size_t regions_before = regions_.size();
    FindNumericCandidates(window, size);
    if (profile_) {
      profile_->AddPhase(ScanProfile::kNumericTokens, t0);
      profile_->Count("numeric tokens", tokens_.size());
      profile_->Count("digit regions", regions_.size() - regions_before);
    }
  }
  // Literal matches arrive ordered by end; words are needed ordered by start.
  std::sort(words_.begin(), words_.end(), [](const WordHit& a, const WordHit& b) {
    return a.start != b.start ? a.start < b.start : a.word < b.word;
  });
  // Context-triggered patterns are searched around their words: a word counts for a value that starts
  // at most window_before bytes after it, or ends at most window_after bytes before it (ApplyContext).
  const auto& word_patterns = catalog_.word_context_patterns();
  for (const WordHit& h : words_) {
    for (std::uint32_t p : word_patterns[h.word]) {
      const CompiledPattern& cp = catalog_.patterns()[p];
      const auto& ctx = catalog_.types()[cp.type_index].spec->context;
      std::size_t lead = ctx.window_after + cp.max_length;
      auto begin = static_cast<std::uint32_t>(h.start > lead ? h.start - lead : 0);
      auto last_start = static_cast<std::uint32_t>(std::min<std::size_t>(size, h.start + ctx.window_before));
      auto end =
          static_cast<std::uint32_t>(std::min<std::size_t>(size, std::size_t{last_start} + cp.max_length));
      regions_.push_back({p, begin, last_start, end});
    }
  }
  for (std::uint32_t p : structural_patterns_)
    regions_.push_back({p, 0, static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(size)});
  if (profile_) t0 = ScanProfile::Now();
  for (std::uint32_t p : catalog_.anchored_patterns()) ConfirmAnchored(window, size, p);
  Confirm(window, size);
  if (profile_) {
    profile_->AddPhase(ScanProfile::kConfirm, t0);
    profile_->Count("candidates", candidates_.size());
    t0 = ScanProfile::Now();
  }
  ResolveContext(window, size);
  if (profile_) {
    profile_->AddPhase(ScanProfile::kContext, t0);
    t0 = ScanProfile::Now();
  }
  MergeAndEmit(window, base, own_begin, own_end);
  if (profile_) profile_->AddPhase(ScanProfile::kMerge, t0);
}

void ScanState::Confirm(const char* window, std::size_t size) {
  // Order by pattern, then begin. Each pattern's regions arrive mostly ordered by begin already (hits
  // in increasing order), so a counting sort by pattern keeps that order and only the rare unordered
  // bucket is sorted (a comparison sort of every region was 2% of a scan).
  const std::size_t pattern_count = catalog_.patterns().size();
  bucket_start_.assign(pattern_count + 1, 0);
  for (const Region& r : regions_) ++bucket_start_[r.pattern + 1];
  for (std::size_t p = 0; p < pattern_count; ++p) bucket_start_[p + 1] += bucket_start_[p];
  sorted_regions_.resize(regions_.size());
  bucket_fill_.assign(bucket_start_.begin(), bucket_start_.end() - 1);
  for (const Region& r : regions_) sorted_regions_[bucket_fill_[r.pattern]++] = r;
  regions_.swap(sorted_regions_);
  auto by_begin = [](const Region& a, const Region& b) { return a.begin < b.begin; };
  for (std::size_t p = 0; p < pattern_count; ++p) {
    auto first = regions_.begin() + bucket_start_[p], last = regions_.begin() + bucket_start_[p + 1];
    if (!std::is_sorted(first, last, by_begin)) std::sort(first, last, by_begin);
  }
  const auto& patterns = catalog_.patterns();
  std::size_t i = 0;
  while (i < regions_.size()) {
    Region r = regions_[i++];
    while (i < regions_.size() && regions_[i].pattern == r.pattern && regions_[i].begin <= r.last_start) {
      r.last_start = std::max(r.last_start, regions_[i].last_start);
      r.end = std::max(r.end, regions_[i].end);
      ++i;
    }
    const CompiledPattern& p = patterns[r.pattern];
    // Keyword (dictionary) regions hold exact spans; they are evaluated one by one below.
    if (!p.code) continue;
    const std::uint64_t t0 = profile_ ? ScanProfile::Now() : 0;
    std::size_t subject_end = std::min(size, static_cast<std::size_t>(r.end) + kLookahead);
    std::size_t offset = r.begin;
    // Matches start at r.last_start at the latest: PCRE2 tries no start position after it.
    pcre2_set_offset_limit(region_context_, r.last_start);
    while (offset <= r.last_start) {
      // pcre2_jit_match skips pcre2_match's per-call option checks: ~5% of a scan on the bench corpus.
      const auto* subject = reinterpret_cast<PCRE2_SPTR>(window);
      int rc =
          p.jit ? pcre2_jit_match(p.code.get(), subject, subject_end, offset, 0, match_data_, region_context_)
                : pcre2_match(p.code.get(), subject, subject_end, offset, 0, match_data_, region_context_);
      if (rc < 0) break;  // no match, or the match limit: nothing reported for this region
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(match_data_);
      std::size_t ms = ov[0], me = ov[1];
      if (ms > r.last_start) break;
      std::size_t vs = ms, ve = me;
      if (p.secret_group != 0 && static_cast<std::uint32_t>(rc) > p.secret_group &&
          ov[2 * p.secret_group] != PCRE2_UNSET) {
        vs = ov[2 * p.secret_group];
        ve = ov[2 * p.secret_group + 1];
      }
      if (ve > vs) Evaluate(window, size, r.pattern, vs, ve);
      offset = me > ms ? me : ms + 1;
    }
    if (profile_) profile_->AddPattern(r.pattern, t0, 1, r.end - r.begin);
  }
  // Keyword (dictionary) hits: exact spans, right word boundary checked here.
  for (const Region& r : regions_) {
    const CompiledPattern& p = patterns[r.pattern];
    if (p.code) continue;
    if (r.end < size && IsAlnum(static_cast<unsigned char>(window[r.end]))) continue;
    Evaluate(window, size, r.pattern, r.begin, r.end);
  }
}

void ScanState::ConfirmAnchored(const char* window, std::size_t size, std::uint32_t pattern) {
  // A match can start at an anchor only (anchor_scan.h): one anchored attempt each, leftmost-first and
  // without overlaps, as a search of the region around each prefilter hit would find them.
  const CompiledPattern& p = catalog_.patterns()[pattern];
  const std::uint64_t t0 = profile_ ? ScanProfile::Now() : 0;
  const auto lead = p.spec->prefilter_lead != 0 ? p.spec->prefilter_lead : p.max_length;
  anchors_.clear();
  FindAnchors(p.anchor, window, size, lead, anchor_scratch_, anchors_);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(window);
  std::size_t offset = 0;  // end of the previous match
  for (const Anchor& a : anchors_) {
    if (a.start < offset) continue;
    std::size_t subject_end = std::min(size, std::size_t{a.end} + p.max_length + kLookahead);
    int rc =
        p.anchored_jit
            ? pcre2_jit_match(p.anchored.get(), subject, subject_end, a.start, 0, match_data_, match_context_)
            : pcre2_match(p.anchored.get(), subject, subject_end, a.start, 0, match_data_, match_context_);
    if (rc < 0) continue;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(match_data_);
    std::size_t ms = ov[0], me = ov[1];
    std::size_t vs = ms, ve = me;
    if (p.secret_group != 0 && static_cast<std::uint32_t>(rc) > p.secret_group &&
        ov[2 * p.secret_group] != PCRE2_UNSET) {
      vs = ov[2 * p.secret_group];
      ve = ov[2 * p.secret_group + 1];
    }
    if (ve > vs) Evaluate(window, size, pattern, vs, ve);
    offset = me > ms ? me : ms + 1;
  }
  if (profile_) profile_->AddPattern(pattern, t0, anchors_.size(), 0);
}

void ScanState::Evaluate(const char* window, std::size_t /*size*/, std::uint32_t pattern, std::size_t vs,
                         std::size_t ve) {
  const CompiledPattern& p = catalog_.patterns()[pattern];
  const CompiledType& t = catalog_.types()[p.type_index];
  const InfoTypeSpec& spec = *t.spec;
  std::string_view value(window + vs, ve - vs);
  Candidate c{pattern,
              p.type_index,
              static_cast<std::uint32_t>(vs),
              static_cast<std::uint32_t>(ve),
              p.spec->confidence,
              {}};
  if (p.validator != nullptr) {
    c.evidence.validator = std::string(p.validator->name);
    if (!p.validator->fn(value)) return;
    c.evidence.checksum_passed = true;
  }
  if (p.spec->min_entropy > 0 || spec.category == "credential") {
    c.evidence.entropy = ShannonEntropy(value);
    if (c.evidence.entropy < p.spec->min_entropy) return;
  }
  if (!spec.stopwords.empty()) {
    std::string lower(value);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const auto& s : spec.stopwords)
      if (lower.find(s) != std::string::npos) return;
  }
  if (!t.exclusion_values.empty() || !t.test_values.empty()) {
    std::string norm = NormalizeValue(value);
    if (t.exclusion_values.contains(norm)) return;
    if (t.test_values.contains(norm)) {
      if (spec.exclusions.exclude_test_values) return;
      c.evidence.note = "well-known test value";
    }
  }
  for (const auto& re : t.exclusion_regexes) {
    pcre2_match_data* md = match_data_;
    if (pcre2_match(re.get(), reinterpret_cast<PCRE2_SPTR>(value.data()), value.size(), 0, 0, md,
                    match_context_) >= 0)
      return;
  }
  if (profile_) profile_->AddCandidate(pattern);
  candidates_.push_back(std::move(c));
}

void ScanState::ResolveContext(const char* window, std::size_t size) {
  // Find the context and exclusion words in the windows around the candidates only.
  const auto& types = catalog_.types();
  word_windows_.clear();
  for (const Candidate& c : candidates_) {
    const CompiledType& t = types[c.type];
    if (t.context_words.empty() && t.exclusion_words.empty()) continue;
    const ContextSpec& ctx = t.spec->context;
    std::size_t begin = c.start > ctx.window_before ? c.start - ctx.window_before : 0;
    std::size_t end = std::min(size, std::size_t{c.end} + ctx.window_after);
    word_windows_.push_back({begin, end});
  }
  if (!word_windows_.empty() && catalog_.words_db() != nullptr) {
    std::sort(word_windows_.begin(), word_windows_.end(),
              [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
    std::size_t before = words_.size();
    ByteRange cur = word_windows_[0];
    auto scan = [&](const ByteRange& r) {
      word_window_offset_ = static_cast<std::uint32_t>(r.begin);
      HsScan()(catalog_.words_db(), window + r.begin, static_cast<unsigned>(r.end - r.begin), 0, scratch_,
               &ScanState::OnWord, this);
    };
    for (std::size_t i = 1; i < word_windows_.size(); ++i) {
      if (word_windows_[i].begin <= cur.end) {
        cur.end = std::max(cur.end, word_windows_[i].end);
      } else {
        scan(cur);
        cur = word_windows_[i];
      }
    }
    scan(cur);
    if (words_.size() != before) {
      auto by_start = [](const WordHit& a, const WordHit& b) {
        return a.start != b.start ? a.start < b.start : a.word < b.word;
      };
      std::sort(words_.begin(), words_.end(), by_start);
      words_.erase(std::unique(words_.begin(), words_.end(),
                               [](const WordHit& a, const WordHit& b) {
                                 return a.start == b.start && a.word == b.word;
                               }),
                   words_.end());
    }
  }
  std::erase_if(candidates_, [&](Candidate& c) { return !ApplyContext(window, c); });
}

bool ScanState::ApplyContext(const char* window, Candidate& c) {
  const CompiledType& t = catalog_.types()[c.type];
  const ContextSpec& ctx = t.spec->context;
  const bool context_trigger = catalog_.patterns()[c.pattern].spec->trigger == Trigger::kContext;
  if (t.context_words.empty() && t.exclusion_words.empty()) return true;
  const std::size_t before = ctx.window_before;
  std::uint32_t lo = c.start > before ? c.start - static_cast<std::uint32_t>(before) : 0;
  std::uint64_t hi = static_cast<std::uint64_t>(c.end) + ctx.window_after;
  auto it = std::lower_bound(words_.begin(), words_.end(), lo,
                             [](const WordHit& h, std::uint32_t v) { return h.start < v; });
  std::int64_t best = -1;
  const std::string* best_word = nullptr;
  for (std::uint32_t w : structural_words_) {  // in the part's column header / key: distance 0
    if (ContainsWordId(t.context_words, w)) {
      best = 0;
      best_word = &catalog_.words()[w];
      break;
    }
  }
  for (; it != words_.end() && it->start < hi; ++it) {
    if (it->start < c.end && it->end > c.start) continue;  // inside the value itself
    if (it->end > hi) continue;
    std::int64_t distance = it->end <= c.start ? static_cast<std::int64_t>(c.start - it->end)
                                               : static_cast<std::int64_t>(it->start - c.end);
    if (ContainsWordId(t.exclusion_words, it->word)) return false;
    if (ContainsWordId(t.context_words, it->word) && (best < 0 || distance < best)) {
      best = distance;
      best_word = &catalog_.words()[it->word];
    }
  }
  if (best_word == nullptr) return !(ctx.required || context_trigger);
  c.evidence.context_word = *best_word;
  c.evidence.context_distance = best;
  c.confidence = ctx.confidence ? std::max(c.confidence, *ctx.confidence) : Raise(c.confidence);
  return true;
}

void ScanState::MergeAndEmit(const char* window, std::uint64_t base, std::uint64_t own_begin,
                             std::uint64_t own_end) {
  // One value is reported once, as its most specific type: higher confidence, then specificity, then
  // the longer span win; ties break on position and type so every window decides alike.
  // A candidate's fate depends only on the candidates it overlaps, so the greedy choice in priority
  // order is made per group of overlapping candidates (most are alone): the same choice as over the
  // whole window, without inserting into one long sorted list.
  const auto& types = catalog_.types();
  auto by_priority = [&](std::uint32_t a, std::uint32_t b) {
    const Candidate& x = candidates_[a];
    const Candidate& y = candidates_[b];
    if (x.confidence != y.confidence) return x.confidence > y.confidence;
    int sx = types[x.type].spec->specificity, sy = types[y.type].spec->specificity;
    if (sx != sy) return sx > sy;
    if (x.end - x.start != y.end - y.start) return x.end - x.start > y.end - y.start;
    if (x.start != y.start) return x.start < y.start;
    if (x.type != y.type) return x.type < y.type;
    return x.pattern < y.pattern;
  };
  auto by_position = [&](std::uint32_t a, std::uint32_t b) {
    return candidates_[a].start != candidates_[b].start ? candidates_[a].start < candidates_[b].start
                                                        : candidates_[a].end < candidates_[b].end;
  };
  order_.resize(candidates_.size());
  for (std::uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
  std::sort(order_.begin(), order_.end(), by_position);
  kept_.clear();
  for (std::size_t g = 0; g < order_.size();) {
    std::size_t h = g + 1;
    std::uint32_t group_end = candidates_[order_[g]].end;
    while (h < order_.size() && candidates_[order_[h]].start < group_end) {
      group_end = std::max(group_end, candidates_[order_[h]].end);
      ++h;
    }
    if (h == g + 1) {
      kept_.push_back(order_[g]);
      g = h;
      continue;
    }
    std::sort(order_.begin() + static_cast<std::ptrdiff_t>(g),
              order_.begin() + static_cast<std::ptrdiff_t>(h), by_priority);
    accepted_.clear();  // (start, end), kept sorted by start
    const std::size_t group_first = kept_.size();
    for (std::size_t k = g; k < h; ++k) {
      const Candidate& c = candidates_[order_[k]];
      auto it =
          std::lower_bound(accepted_.begin(), accepted_.end(), std::make_pair(c.start, std::uint32_t{0}));
      bool overlaps = (it != accepted_.end() && it->first < c.end) ||
                      (it != accepted_.begin() && std::prev(it)->second > c.start);
      if (overlaps) continue;
      accepted_.insert(it, {c.start, c.end});
      kept_.push_back(order_[k]);
    }
    std::sort(kept_.begin() + static_cast<std::ptrdiff_t>(group_first), kept_.end(), by_position);
    g = h;
  }

  // Emit the findings this segment owns, with line and column.
  std::uint64_t pos = own_begin;  // newlines are counted up to here
  auto count_to = [&](std::uint64_t target) {
    const char* p = window + (pos - base);
    auto n = static_cast<std::size_t>(target - pos);
    if (std::size_t lines = CountNewlines(p, n); lines > 0) {
      lines_before_ += lines;
      const auto* last = static_cast<const char*>(memrchr(p, '\n', n));
      line_start_ = base + static_cast<std::uint64_t>(last + 1 - window);
    }
    pos = target;
  };
  for (std::uint32_t idx : kept_) {
    Candidate& c = candidates_[idx];  // used once: its evidence is moved into the finding
    std::uint64_t start = base + c.start;
    if (start < own_begin || start >= own_end) continue;
    const CompiledType& t = types[c.type];
    if (!type_enabled_[c.type] || c.confidence < options_.min_confidence) continue;
    count_to(start);
    std::string_view value(window + c.start, c.end - c.start);
    Finding f;
    f.info_type = t.spec->id;
    f.start = start;
    f.end = base + c.end;
    f.line = lines_before_ + 1;
    f.column = start - line_start_ + 1;
    f.confidence = c.confidence;
    f.masked = MaskValue(value, t.spec->mask.keep_first, t.spec->mask.keep_last);
    f.rule = catalog_.patterns()[c.pattern].rule;
    f.evidence = std::move(c.evidence);
    f.part = options_.part;
    if (options_.reveal) f.value = std::string(value);
    const std::uint64_t t0 = profile_ ? ScanProfile::Now() : 0;
    if (sink_) sink_(std::move(f));
    if (profile_) {
      profile_->AddPhase(ScanProfile::kEmit, t0);
      profile_->Count("findings");
    }
  }
  count_to(own_end);
}

}  // namespace leakguard::detect
