// RTF text (RTF 1.9.1) with an own small parser. See formats.h.
//
// One text part with an empty subpath (the document itself). Handled: groups, control words and
// symbols, \'hh bytes in the document code page (\ansicpg: Windows-1252 by table, others through
// iconv, Latin-1 if iconv lacks it), \uN with \ucN fallback skipping and surrogate pairs, \binN
// payloads skipped, ignorable destinations ({\*\…}) and non-text destinations (font, colour and style
// tables, pictures, themes, data stores…) skipped. Paragraph, line, row and page breaks become
// newlines, cells and tabs become tabs.
//
// Bounded: a single pass over the bytes; group nesting deeper than kMaxDepth shares the innermost
// kept state; text goes out in pieces of at most limits.max_buffered_bytes.
#include <iconv.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "extract/formats.h"
#include "extract/zip_xml.h"

namespace leakguard::extract {
namespace {

constexpr std::size_t kMaxDepth = 1024;

// Windows-1252 0x80..0x9F (0 = undefined, kept as U+FFFD); 0xA0..0xFF equal Latin-1.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// RTF text never holds NUL: \u0 and friends become U+FFFD like other invalid code points.
void AppendChar(std::string& out, std::uint32_t cp) { AppendUtf8(out, cp == 0 ? 0xFFFD : cp); }

// Destinations whose content is not document text.
bool SkippedDestination(std::string_view w) {
  static constexpr std::string_view kSkip[] = {
      "fonttbl",   "colortbl",     "stylesheet", "listtable",     "listoverridetable",
      "revtbl",    "rsidtbl",      "pict",       "themedata",     "colorschememapping",
      "datastore", "latentstyles", "generator",  "xmlnstbl",      "filetbl",
      "objdata",   "objclass",     "fontemb",    "nonshppict",    "bkmkstart",
      "bkmkend",   "pgdsctbl",     "defchp",     "defpap",        "protusertbl",
      "mmathPr",   "blipuid",      "picprop",    "wgrffmtfilter", "fchars",
      "lchars"};
  for (std::string_view s : kSkip)
    if (w == s) return true;
  return false;
}

class RtfParser {
 public:
  RtfParser(std::string_view in, Emitter& out, const Limits& limits)
      : in_(in), out_(out), sink_(out, "", limits.max_buffered_bytes) {}
  ~RtfParser() {
    if (iconv_ != reinterpret_cast<iconv_t>(-1)) iconv_close(iconv_);
  }

  void Run() {
    stack_.push_back(State{});
    std::size_t next_check = 1 << 16;
    while (pos_ < in_.size()) {
      if (pos_ >= next_check) {
        if (out_.Stopped()) return;
        next_check = pos_ + (1 << 16);
      }
      char c = in_[pos_++];
      switch (c) {
        case '{':
          FlushBytes();
          if (stack_.size() < kMaxDepth)
            stack_.push_back(stack_.back());
          else
            ++overflow_;
          break;
        case '}':
          FlushBytes();
          if (overflow_ > 0)
            --overflow_;
          else if (stack_.size() > 1)
            stack_.pop_back();
          break;
        case '\\':
          Control();
          break;
        case '\r':
        case '\n':
          break;
        default:
          if (stack_.back().skip) break;
          if (skip_chars_ > 0) {
            --skip_chars_;
            break;
          }
          if (static_cast<unsigned char>(c) >= 0x80) {
            bytes_.push_back(c);
          } else {
            FlushBytes();
            Emit(std::string_view(&c, 1));
          }
      }
    }
    FlushBytes();
    sink_.Flush();
  }

 private:
  struct State {
    bool skip = false;
    int uc = 1;
  };

  void Emit(std::string_view s) {
    if (pending_high_ != 0) {  // a high surrogate not followed by a low one
      pending_high_ = 0;
      sink_.Append("\xEF\xBF\xBD");
    }
    sink_.Append(s);
  }

  void Control() {
    if (pos_ >= in_.size()) return;
    char c = in_[pos_];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      ++pos_;
      Symbol(c);
      return;
    }
    std::size_t start = pos_;
    while (pos_ < in_.size() && pos_ - start < 32 &&
           ((in_[pos_] >= 'a' && in_[pos_] <= 'z') || (in_[pos_] >= 'A' && in_[pos_] <= 'Z')))
      ++pos_;
    std::string_view word = in_.substr(start, pos_ - start);
    bool has_param = false;
    long param = 0;
    bool negative = false;
    if (pos_ < in_.size() && in_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    std::size_t digits = 0;
    while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') {
      if (digits < 10) param = param * 10 + (in_[pos_] - '0');
      ++digits;
      ++pos_;
    }
    has_param = digits > 0;
    if (negative) param = -param;
    if (pos_ < in_.size() && in_[pos_] == ' ') ++pos_;
    Word(word, has_param, param);
  }

  void Symbol(char c) {
    State& st = stack_.back();
    switch (c) {
      case '\'': {
        if (pos_ + 2 > in_.size()) {
          pos_ = in_.size();
          return;
        }
        int v = Hex(in_[pos_]) * 16 + Hex(in_[pos_ + 1]);
        bool ok = Hex(in_[pos_]) >= 0 && Hex(in_[pos_ + 1]) >= 0;
        pos_ += 2;
        if (st.skip || !ok) return;
        if (skip_chars_ > 0) {
          --skip_chars_;
          return;
        }
        bytes_.push_back(static_cast<char>(v));
        return;
      }
      case '*':
        st.skip = true;
        return;
      case '\\':
      case '{':
      case '}':
        if (!st.skip) Text(std::string_view(&c, 1));
        return;
      case '~':
        if (!st.skip) Text(" ");
        return;
      case '_':
        if (!st.skip) Text("-");
        return;
      case '\r':
      case '\n':
        if (!st.skip) Text("\n");
        return;
      case '\t':
        if (!st.skip) Text("\t");
        return;
      default:
        return;  // \- optional hyphen, \: index subentry, \| formula…
    }
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Text that a control word stands for (counts as one fallback character after \u).
  void Text(std::string_view s) {
    if (skip_chars_ > 0) {
      --skip_chars_;
      return;
    }
    FlushBytes();
    Emit(s);
  }

  void Word(std::string_view w, bool has_param, long param) {
    State& st = stack_.back();
    if (w == "bin") {
      FlushBytes();
      std::size_t n = has_param && param > 0 ? static_cast<std::size_t>(param) : 0;
      pos_ += std::min(n, in_.size() - pos_);
      return;
    }
    if (SkippedDestination(w)) {
      st.skip = true;
      return;
    }
    if (w == "uc") {
      st.uc = has_param ? static_cast<int>(std::clamp<long>(param, 0, 16)) : 1;
      return;
    }
    if (w == "ansicpg" && has_param) {
      SetCodepage(param);
      return;
    }
    if (st.skip) return;
    if (w == "u" && has_param) {
      FlushBytes();
      std::uint32_t cp = (param < -32768 || param > 65535)
                             ? 0xFFFD
                             : static_cast<std::uint32_t>(param < 0 ? param + 65536 : param);
      skip_chars_ = 0;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        Emit("");
        pending_high_ = cp;
      } else if (cp >= 0xDC00 && cp <= 0xDFFF && pending_high_ != 0) {
        std::uint32_t full = 0x10000 + ((pending_high_ - 0xD800) << 10) + (cp - 0xDC00);
        pending_high_ = 0;
        scratch_.clear();
        AppendChar(scratch_, full);
        sink_.Append(scratch_);
      } else {
        scratch_.clear();
        AppendChar(scratch_, cp);
        Emit(scratch_);
      }
      skip_chars_ = st.uc;
      return;
    }
    if (w == "par" || w == "line" || w == "sect" || w == "page" || w == "row" || w == "outlinelevel0") {
      Text("\n");
    } else if (w == "tab" || w == "cell" || w == "nestcell") {
      Text("\t");
    } else if (w == "emdash") {
      Text("\xE2\x80\x94");
    } else if (w == "endash") {
      Text("\xE2\x80\x93");
    } else if (w == "lquote") {
      Text("\xE2\x80\x98");
    } else if (w == "rquote") {
      Text("\xE2\x80\x99");
    } else if (w == "ldblquote") {
      Text("\xE2\x80\x9C");
    } else if (w == "rdblquote") {
      Text("\xE2\x80\x9D");
    } else if (w == "bullet") {
      Text("\xE2\x80\xA2");
    } else if (w == "emspace" || w == "enspace" || w == "qmspace") {
      Text(" ");
    }
  }

  void SetCodepage(long cp) {
    if (iconv_ != reinterpret_cast<iconv_t>(-1)) {
      iconv_close(iconv_);
      iconv_ = reinterpret_cast<iconv_t>(-1);
    }
    codepage_ = cp;
    if (cp == 1252 || cp <= 0 || cp > 65535) return;
    std::string name = "CP" + std::to_string(cp);
    if (cp == 10000) name = "MACINTOSH";
    iconv_ = iconv_open("UTF-8", name.c_str());
  }

  // Converts the pending \'hh / high bytes in the document code page.
  void FlushBytes() {
    if (bytes_.empty()) return;
    scratch_.clear();
    if (iconv_ != reinterpret_cast<iconv_t>(-1)) {
      iconv(iconv_, nullptr, nullptr, nullptr, nullptr);
      std::string out(bytes_.size() * 4 + 16, '\0');
      char* inp = bytes_.data();
      std::size_t inleft = bytes_.size();
      char* outp = out.data();
      std::size_t outleft = out.size();
      while (inleft > 0) {
        std::size_t r = iconv(iconv_, &inp, &inleft, &outp, &outleft);
        if (r != static_cast<std::size_t>(-1)) break;
        if (outleft < 4) break;
        // Invalid or incomplete sequence: one U+FFFD, skip a byte.
        std::string rep;
        AppendChar(rep, 0xFFFD);
        for (char ch : rep) {
          *outp++ = ch;
          --outleft;
        }
        ++inp;
        --inleft;
      }
      out.resize(out.size() - outleft);
      scratch_ = std::move(out);
    } else {
      for (char ch : bytes_) {
        auto u = static_cast<unsigned char>(ch);
        std::uint32_t cp = u;
        if (codepage_ == 1252 && u >= 0x80 && u < 0xA0)
          cp = kCp1252High[u - 0x80] ? kCp1252High[u - 0x80] : 0xFFFD;
        AppendChar(scratch_, cp);
      }
    }
    bytes_.clear();
    Emit(scratch_);
    scratch_.clear();
  }

  std::string_view in_;
  Emitter& out_;
  zipxml::TextSink sink_;
  std::size_t pos_ = 0;
  std::vector<State> stack_;
  std::size_t overflow_ = 0;
  int skip_chars_ = 0;
  std::uint32_t pending_high_ = 0;
  long codepage_ = 1252;
  iconv_t iconv_ = reinterpret_cast<iconv_t>(-1);
  std::string bytes_;
  std::string scratch_;
};

}  // namespace

void ExtractRtf(std::string_view bytes, Emitter& out, const Limits& limits) {
  try {
    if (bytes.substr(0, 5) != "{\\rtf") {
      out.Report("", Problem::kUnreadable, "not RTF: no {\\rtf header");
      return;
    }
    RtfParser(bytes, out, limits).Run();
  } catch (const std::exception& e) {
    out.Report("", Problem::kUnreadable, std::string("RTF: ") + e.what());
  } catch (...) {
    out.Report("", Problem::kUnreadable, "RTF: unexpected error");
  }
}

}  // namespace leakguard::extract
