#include "detect/catalog_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <type_traits>

#include "detect/builtin_data.h"

namespace leakguard::detect {
namespace {

// Bump when the layout below changes (the hash of the key covers it).
constexpr std::string_view kFormat = "leakguard-catalog-v1";

// Every field is written below. When a spec gains a field, its size changes and these fail: add the
// field to Write/Read and bump kFormat.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(PatternSpec) == 264, "PatternSpec changed: update catalog_cache.cc");
static_assert(sizeof(ContextSpec) == 48, "ContextSpec changed: update catalog_cache.cc");
static_assert(sizeof(ExclusionSpec) == 104, "ExclusionSpec changed: update catalog_cache.cc");
static_assert(sizeof(MaskSpec) == 8, "MaskSpec changed: update catalog_cache.cc");
static_assert(sizeof(InfoTypeSpec) == 432, "InfoTypeSpec changed: update catalog_cache.cc");
#endif

class Writer {
 public:
  void U64(std::uint64_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void I64(std::int64_t v) { U64(static_cast<std::uint64_t>(v)); }
  void F64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    U64(bits);
  }
  void Bool(bool v) { U64(v ? 1 : 0); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Strs(const std::vector<std::string>& v) {
    U64(v.size());
    for (const auto& s : v) Str(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }

  std::uint64_t U64() {
    std::uint64_t v = 0;
    if (in_.size() - pos_ < sizeof v) {
      ok_ = false;
      return 0;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::int64_t I64() { return static_cast<std::int64_t>(U64()); }
  double F64() {
    std::uint64_t bits = U64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  bool Bool() { return U64() != 0; }
  std::size_t Count() {  // a length or a number of items: no more than the bytes left
    std::uint64_t n = U64();
    if (n > in_.size() - pos_) {
      ok_ = false;
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
  std::string Str() {
    std::size_t n = Count();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::vector<std::string> Strs() {
    std::vector<std::string> v(Count());
    for (auto& s : v) s = Str();
    return v;
  }
  template <typename Enum>
  Enum E(std::uint64_t max) {
    std::uint64_t v = U64();
    if (v > max) ok_ = false;
    return static_cast<Enum>(v);
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void WritePattern(Writer& w, const PatternSpec& p) {
  w.Str(p.id);
  w.Str(p.regex);
  w.Strs(p.keywords);
  w.U64(static_cast<std::uint64_t>(p.trigger));
  w.U64(static_cast<std::uint64_t>(p.confidence));
  w.Str(p.validator);
  w.U64(p.max_length);
  w.Bool(p.case_insensitive);
  w.Str(p.secret_group);
  w.Str(p.prefilter);
  w.U64(p.prefilter_lead);
  w.F64(p.min_entropy);
  w.Str(p.summary);
  w.I64(p.line);
}

PatternSpec ReadPattern(Reader& r) {
  PatternSpec p;
  p.id = r.Str();
  p.regex = r.Str();
  p.keywords = r.Strs();
  p.trigger = r.E<Trigger>(static_cast<std::uint64_t>(Trigger::kContext));
  p.confidence = r.E<Confidence>(static_cast<std::uint64_t>(Confidence::kHigh));
  p.validator = r.Str();
  p.max_length = static_cast<std::size_t>(r.U64());
  p.case_insensitive = r.Bool();
  p.secret_group = r.Str();
  p.prefilter = r.Str();
  p.prefilter_lead = static_cast<std::size_t>(r.U64());
  p.min_entropy = r.F64();
  p.summary = r.Str();
  p.line = static_cast<int>(r.I64());
  return p;
}

void WriteType(Writer& w, const InfoTypeSpec& t) {
  w.Str(t.id);
  w.Str(t.name);
  w.Str(t.category);
  w.Str(t.description);
  w.I64(t.specificity);
  w.U64(t.patterns.size());
  for (const auto& p : t.patterns) WritePattern(w, p);
  w.Strs(t.context.words);
  w.U64(t.context.window_before);
  w.U64(t.context.window_after);
  w.U64(t.context.confidence ? static_cast<std::uint64_t>(*t.context.confidence) : 0);
  w.Bool(t.context.required);
  w.Strs(t.exclusions.values);
  w.Strs(t.exclusions.regexes);
  w.Strs(t.exclusions.words);
  w.Strs(t.exclusions.test_values);
  w.Bool(t.exclusions.exclude_test_values);
  w.Strs(t.stopwords);
  w.I64(t.mask.keep_first);
  w.I64(t.mask.keep_last);
  w.Strs(t.valid_examples);
  w.Strs(t.invalid_examples);
  w.Bool(t.builtin);
  w.Bool(t.disabled);
  w.Str(t.source);
}

InfoTypeSpec ReadType(Reader& r) {
  InfoTypeSpec t;
  t.id = r.Str();
  t.name = r.Str();
  t.category = r.Str();
  t.description = r.Str();
  t.specificity = static_cast<int>(r.I64());
  std::size_t patterns = r.Count();
  for (std::size_t i = 0; i < patterns && r.ok(); ++i) t.patterns.push_back(ReadPattern(r));
  t.context.words = r.Strs();
  t.context.window_before = static_cast<std::size_t>(r.U64());
  t.context.window_after = static_cast<std::size_t>(r.U64());
  if (auto c = r.E<std::uint64_t>(static_cast<std::uint64_t>(Confidence::kHigh)); c != 0)
    t.context.confidence = static_cast<Confidence>(c);
  t.context.required = r.Bool();
  t.exclusions.values = r.Strs();
  t.exclusions.regexes = r.Strs();
  t.exclusions.words = r.Strs();
  t.exclusions.test_values = r.Strs();
  t.exclusions.exclude_test_values = r.Bool();
  t.stopwords = r.Strs();
  t.mask.keep_first = static_cast<int>(r.I64());
  t.mask.keep_last = static_cast<int>(r.I64());
  t.valid_examples = r.Strs();
  t.invalid_examples = r.Strs();
  t.builtin = r.Bool();
  t.disabled = r.Bool();
  t.source = r.Str();
  return t;
}

// FNV-1a over the format, the running executable's size and time (a rebuild may change how the
// YAML is read without changing the YAML) and the built-in files; nullopt when the executable cannot
// be looked at (then nothing is cached).
std::optional<std::uint64_t> BuiltinHash() {
  struct stat exe {};
  if (::stat("/proc/self/exe", &exe) != 0) return std::nullopt;
  std::uint64_t hash = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;
  };
  mix(kFormat);
  mix(std::to_string(exe.st_size) + "/" + std::to_string(exe.st_mtim.tv_sec) + "." +
      std::to_string(exe.st_mtim.tv_nsec) + "/" + std::to_string(exe.st_ino));
  for (const auto& file : BuiltinFiles()) {
    if (!file.name.starts_with("infotypes/")) continue;
    mix(file.name);
    mix(file.text);
  }
  return hash;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::string bytes;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return std::nullopt;
  return bytes;
}

// Best effort: a cache that cannot be written only costs the next start its parse.
void WriteFile(const std::string& path, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  if (std::FILE* f = std::fopen(tmp.c_str(), "wb")) {
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok = std::fclose(f) == 0 && ok;
    if (ok) std::filesystem::rename(tmp, path, ec);
    if (!ok || ec) std::filesystem::remove(tmp, ec);
  }
}

}  // namespace

std::string CacheDirectory() {
  std::string dir;
  if (const char* d = std::getenv("LEAKGUARD_CACHE_DIR")) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = std::string(x) + "/leakguard";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = std::string(h) + "/.cache/leakguard";
  }
  if (dir == "off") return {};
  return dir;
}

std::string SerializeCatalog(const Catalog& catalog) {
  Writer w;
  w.Str(kFormat);
  w.U64(catalog.types.size());
  for (const auto& t : catalog.types) WriteType(w, t);
  return w.Take();
}

std::optional<Catalog> DeserializeCatalog(std::string_view bytes) {
  Reader r(bytes);
  if (r.Str() != kFormat || !r.ok()) return std::nullopt;
  Catalog catalog;
  std::size_t types = r.Count();
  for (std::size_t i = 0; i < types && r.ok(); ++i) catalog.types.push_back(ReadType(r));
  if (!r.ok() || !r.done()) return std::nullopt;
  return catalog;
}

Status LoadBuiltinCatalog(Catalog& catalog) {
  std::string path;
  const std::optional<std::uint64_t> hash = BuiltinHash();
  if (std::string dir = CacheDirectory(); !dir.empty() && hash) {
    char name[64];
    std::snprintf(name, sizeof name, "/catalog-%016llx.bin", static_cast<unsigned long long>(*hash));
    path = dir + name;
    if (std::optional<std::string> bytes = ReadFile(path)) {
      if (std::optional<Catalog> cached = DeserializeCatalog(*bytes)) {
        catalog = std::move(*cached);
        return Status::Ok();
      }
    }
  }
  Catalog parsed;
  for (const auto& file : BuiltinFiles()) {
    if (!file.name.starts_with("infotypes/")) continue;
    if (Status s = LoadCatalogYaml("builtin:" + std::string(file.name), file.text, true, parsed); !s.ok())
      return s;
  }
  if (!path.empty()) WriteFile(path, SerializeCatalog(parsed));
  catalog = std::move(parsed);
  return Status::Ok();
}

}  // namespace leakguard::detect
