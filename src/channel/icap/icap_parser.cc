#include "channel/icap/icap_parser.h"

#include <algorithm>
#include <charconv>

#include "core/ascii.h"

namespace leakguard::channel::icap {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IsTokenChar(char c) {
  if (c <= 32 || c >= 127) return false;
  return std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

// A few bytes of input for an error message, printable only.
std::string Excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 24)) out += (c >= 32 && c < 127) ? c : '?';
  if (s.size() > 24) out += "...";
  return out;
}

// Splits a header block (lines ending in CRLF or LF, without the final empty line) into a start line
// and headers. Obsolete line folding (a line starting with space/tab) continues the previous value.
Status ParseHeaderLines(std::string_view block, std::string& start_line, std::vector<Header>& headers,
                        std::string_view what) {
  bool first = true;
  while (!block.empty()) {
    std::size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    block.remove_prefix(nl == std::string_view::npos ? block.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the end of the block
    if (first) {
      start_line = std::string(line);
      first = false;
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (headers.empty())
        return Status::ParseError(std::string(what) + ": continuation line before any header");
      headers.back().value += ' ';
      headers.back().value += Trim(line);
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return Status::ParseError(std::string(what) + ": malformed header line '" + Excerpt(line) + "'");
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), IsTokenChar))
      return Status::ParseError(std::string(what) + ": bad header name '" + Excerpt(name) + "'");
    headers.push_back({std::string(name), std::string(Trim(line.substr(colon + 1)))});
  }
  if (first) return Status::ParseError(std::string(what) + ": empty header block");
  return Status::Ok();
}

const std::string* FindHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers)
    if (EqualsIgnoreCase(h.name, name)) return &h.value;
  return nullptr;
}

bool ParseUint(std::string_view s, std::uint64_t& out, int base = 10) {
  s = Trim(s);
  if (s.empty() || s.size() > 16) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

// Finds the end of a header block (the empty line) in `s`: the index one past it, or npos.
std::size_t HeaderBlockEnd(std::string_view s) {
  for (std::size_t i = s.find('\n'); i != std::string_view::npos; i = s.find('\n', i + 1)) {
    if (i + 1 < s.size() && s[i + 1] == '\n') return i + 2;
    if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kOptions:
      return "OPTIONS";
    case Method::kReqmod:
      return "REQMOD";
    case Method::kRespmod:
      return "RESPMOD";
  }
  return "OPTIONS";
}

std::int64_t Encapsulated::headers_length() const {
  for (std::int64_t v : {req_body, res_body, opt_body, null_body})
    if (v >= 0) return v;
  return 0;
}

const std::string* HttpHead::Find(std::string_view name) const { return FindHeader(headers, name); }
const std::string* RequestHead::Find(std::string_view name) const { return FindHeader(headers, name); }

Status Parser::Fail(ParseFailure* out, int code, std::string message) {
  state_ = State::kFailed;
  Status s = code == 413 ? Status::LimitExceeded(std::move(message)) : Status::ParseError(std::move(message));
  if (out != nullptr) *out = {code, s};
  return s;
}

void Parser::Reset() {
  state_ = State::kRequestHead;
  buffer_.clear();
  head_ = RequestHead{};
  chunk_left_ = 0;
  body_bytes_ = 0;
  preview_active_ = false;
  last_chunk_ieof_ = false;
}

Status Parser::ParseRequestHead(std::string_view block, ParseFailure& f) {
  std::string line;
  Status s = ParseHeaderLines(block, line, head_.headers, "ICAP request");
  if (!s.ok()) {
    f = {400, s};
    return s;
  }
  // METHOD SP URI SP VERSION
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos) {
    f = {400, Status::ParseError("malformed ICAP request line '" + Excerpt(line) + "'")};
    return f.status;
  }
  std::string_view method(line.data(), sp1);
  head_.uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = std::string_view(line).substr(sp2 + 1);
  if (method == "OPTIONS") {
    head_.method = Method::kOptions;
  } else if (method == "REQMOD") {
    head_.method = Method::kReqmod;
  } else if (method == "RESPMOD") {
    head_.method = Method::kRespmod;
  } else {
    f = {501, Status::ParseError("ICAP method '" + Excerpt(method) + "' is not implemented")};
    return f.status;
  }
  if (version != "ICAP/1.0") {
    f = {505, Status::ParseError("ICAP version '" + Excerpt(version) + "' is not supported (ICAP/1.0)")};
    return f.status;
  }
  // icap://host[:port]/service[?query]
  std::string_view uri = head_.uri;
  if (uri.starts_with("icap://") || uri.starts_with("icaps://")) {
    uri.remove_prefix(uri.find("://") + 3);
    std::size_t slash = uri.find('/');
    uri = slash == std::string_view::npos ? std::string_view() : uri.substr(slash);
  }
  if (!uri.starts_with("/")) {
    f = {400, Status::ParseError("ICAP URI '" + Excerpt(head_.uri) + "' has no service path")};
    return f.status;
  }
  uri.remove_prefix(1);
  head_.service = std::string(uri.substr(0, uri.find_first_of("?#")));

  if (const std::string* p = head_.Find("Preview")) {
    std::uint64_t n = 0;
    if (!ParseUint(*p, n)) {
      f = {400, Status::ParseError("bad Preview header '" + Excerpt(*p) + "'")};
      return f.status;
    }
    head_.preview = n;
  }
  if (const std::string* a = head_.Find("Allow")) {
    std::string_view v = *a;
    while (!v.empty()) {
      std::size_t comma = v.find(',');
      std::string_view item = Trim(v.substr(0, comma));
      head_.allow_204 |= item == "204";
      head_.allow_206 |= item == "206";
      v.remove_prefix(comma == std::string_view::npos ? v.size() : comma + 1);
    }
  }

  const std::string* enc = head_.Find("Encapsulated");
  if (enc == nullptr) {
    if (head_.method != Method::kOptions) {
      f = {400, Status::ParseError("missing Encapsulated header")};
      return f.status;
    }
    return Status::Ok();
  }
  Encapsulated& e = head_.encapsulated;
  std::int64_t previous = -1;
  int entities = 0;
  bool body_seen = false;
  std::string_view v = *enc;
  while (!v.empty()) {
    std::size_t comma = v.find(',');
    std::string_view item = Trim(v.substr(0, comma));
    v.remove_prefix(comma == std::string_view::npos ? v.size() : comma + 1);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    std::uint64_t offset = 0;
    if (eq == std::string_view::npos || !ParseUint(item.substr(eq + 1), offset) || offset > (1ull << 40)) {
      f = {400, Status::ParseError("bad Encapsulated entry '" + Excerpt(item) + "'")};
      return f.status;
    }
    std::string_view name = Trim(item.substr(0, eq));
    std::int64_t* slot = name == "req-hdr"     ? &e.req_hdr
                         : name == "res-hdr"   ? &e.res_hdr
                         : name == "req-body"  ? &e.req_body
                         : name == "res-body"  ? &e.res_body
                         : name == "opt-body"  ? &e.opt_body
                         : name == "null-body" ? &e.null_body
                                               : nullptr;
    if (slot == nullptr || *slot >= 0 || body_seen) {
      f = {400, Status::ParseError(slot == nullptr ? "unknown Encapsulated entity '" + Excerpt(name) + "'"
                                                   : "Encapsulated entity '" + std::string(name) +
                                                         "' repeated or after the body")};
      return f.status;
    }
    if (static_cast<std::int64_t>(offset) < previous || (entities == 0 && offset != 0)) {
      f = {400, Status::ParseError("Encapsulated offsets must start at 0 and increase")};
      return f.status;
    }
    *slot = static_cast<std::int64_t>(offset);
    previous = static_cast<std::int64_t>(offset);
    body_seen = name.ends_with("-body");
    ++entities;
  }
  if (!body_seen) {
    f = {400, Status::ParseError("Encapsulated must end with a body entity (req-body, res-body, null-body)")};
    return f.status;
  }
  const bool wrong = (head_.method == Method::kReqmod &&
                      (e.req_hdr < 0 || e.res_hdr >= 0 || e.res_body >= 0 || e.opt_body >= 0)) ||
                     (head_.method == Method::kRespmod && (e.req_body >= 0 || e.opt_body >= 0)) ||
                     (head_.method == Method::kOptions && (e.req_hdr >= 0 || e.res_hdr >= 0));
  if (wrong) {
    f = {400,
         Status::ParseError("Encapsulated entities do not fit " + std::string(MethodName(head_.method)))};
    return f.status;
  }
  if (static_cast<std::uint64_t>(e.headers_length()) > limits_.max_http_header) {
    f = {413, Status::LimitExceeded("encapsulated HTTP headers larger than " +
                                    std::to_string(limits_.max_http_header) + " bytes")};
    return f.status;
  }
  return Status::Ok();
}

Status Parser::ParseHttpHeads(std::string_view block, ParseFailure& f) {
  const Encapsulated& e = head_.encapsulated;
  const auto end = static_cast<std::size_t>(e.headers_length());
  auto parse = [&](std::int64_t begin, std::int64_t next, std::optional<HttpHead>& out, const char* what) {
    if (begin < 0) return Status::Ok();
    std::string_view part = block.substr(static_cast<std::size_t>(begin),
                                         static_cast<std::size_t>(next) - static_cast<std::size_t>(begin));
    HttpHead h;
    h.raw = std::string(part);
    if (HeaderBlockEnd(part) != part.size()) {
      f = {400, Status::ParseError(std::string(what) +
                                   " does not end with an empty line at its Encapsulated offset")};
      return f.status;
    }
    Status s = ParseHeaderLines(part, h.start_line, h.headers, what);
    if (!s.ok()) {
      f = {400, s};
      return s;
    }
    out = std::move(h);
    return Status::Ok();
  };
  Status s = parse(e.req_hdr, e.res_hdr >= 0 ? e.res_hdr : static_cast<std::int64_t>(end), head_.http_request,
                   "encapsulated HTTP request header");
  if (!s.ok()) return s;
  return parse(e.res_hdr, static_cast<std::int64_t>(end), head_.http_response,
               "encapsulated HTTP response header");
}

Result<std::size_t> Parser::Feed(std::string_view data, ParseFailure* failure) {
  ParseFailure local;
  std::size_t pos = 0;
  auto fail_with = [&](const ParseFailure& f) -> Result<std::size_t> {
    state_ = State::kFailed;
    if (failure != nullptr) *failure = f;
    return Unexpected(f.status);
  };
  auto call = [&](Status s) -> bool {
    if (s.ok()) return true;
    local = {500, s};
    return false;
  };
  // After the head: the body, or the end of the message.
  auto after_head = [&]() -> int {  // 1: continue, 0: message ended (return), -1: handler failed
    if (!call(handler_.OnHead(head_))) return -1;
    if (head_.encapsulated.has_body()) {
      preview_active_ = head_.preview.has_value();
      state_ = State::kChunkSize;
      return 1;
    }
    if (!call(handler_.OnEnd())) return -1;
    Reset();
    return 0;
  };

  while (pos < data.size()) {
    switch (state_) {
      case State::kFailed:
        return fail_with({400, Status::ParseError("the connection already failed")});

      case State::kRequestHead: {
        // Empty lines between messages are skipped.
        while (buffer_.empty() && pos < data.size() && (data[pos] == '\r' || data[pos] == '\n')) ++pos;
        if (pos == data.size()) break;
        const std::size_t old = buffer_.size();
        // Never hold more than the bound (plus the terminator) of a header that does not end.
        const std::size_t room = limits_.max_icap_header + 4 > old ? limits_.max_icap_header + 4 - old : 0;
        const std::size_t take = std::min(data.size() - pos, room);
        buffer_.append(data.substr(pos, take));
        // Search from a little before the old end, in case the terminator straddles feeds.
        std::size_t end = HeaderBlockEnd(std::string_view(buffer_).substr(old >= 3 ? old - 3 : 0));
        if (end == std::string_view::npos) {
          if (buffer_.size() > limits_.max_icap_header)
            return fail_with(
                {413, Status::LimitExceeded("ICAP header larger than " +
                                            std::to_string(limits_.max_icap_header) + " bytes")});
          pos += take;
          break;
        }
        end += old >= 3 ? old - 3 : 0;
        if (end > limits_.max_icap_header)
          return fail_with({413, Status::LimitExceeded("ICAP header larger than " +
                                                       std::to_string(limits_.max_icap_header) + " bytes")});
        pos += end - old;  // bytes of `data` that belong to the header block
        std::string block = std::move(buffer_);
        block.resize(end);
        buffer_.clear();
        if (!ParseRequestHead(block, local).ok()) return fail_with(local);
        if (head_.encapsulated.headers_length() > 0) {
          state_ = State::kHttpHeads;
          break;
        }
        int r = after_head();
        if (r < 0) return fail_with(local);
        if (r == 0) return pos;
        break;
      }

      case State::kHttpHeads: {
        const auto need = static_cast<std::size_t>(head_.encapsulated.headers_length());
        const std::size_t take = std::min(need - buffer_.size(), data.size() - pos);
        buffer_.append(data.substr(pos, take));
        pos += take;
        if (buffer_.size() < need) break;
        std::string block = std::move(buffer_);
        buffer_.clear();
        if (!ParseHttpHeads(block, local).ok()) return fail_with(local);
        int r = after_head();
        if (r < 0) return fail_with(local);
        if (r == 0) return pos;
        break;
      }

      case State::kChunkSize: {
        std::size_t nl = data.find('\n', pos);
        std::size_t take = (nl == std::string_view::npos ? data.size() : nl + 1) - pos;
        if (buffer_.size() + take > limits_.max_chunk_line)
          return fail_with({400, Status::ParseError("chunk-size line longer than " +
                                                    std::to_string(limits_.max_chunk_line) + " bytes")});
        buffer_.append(data.substr(pos, take));
        pos += take;
        if (nl == std::string_view::npos) break;
        std::string_view line = Trim(std::string_view(buffer_).substr(0, buffer_.size() - 1));
        std::string_view size_text = Trim(line.substr(0, line.find(';')));
        bool ieof = false;
        for (std::size_t semi = line.find(';'); semi != std::string_view::npos;
             semi = line.find(';', semi + 1)) {
          std::string_view ext = Trim(line.substr(semi + 1, line.find(';', semi + 1) - semi - 1));
          ieof |= ext == "ieof";
        }
        std::uint64_t size = 0;
        if (!ParseUint(size_text, size, 16))
          return fail_with({400, Status::ParseError("bad chunk size '" + Excerpt(size_text) + "'")});
        buffer_.clear();
        if (size == 0) {
          last_chunk_ieof_ = ieof;
          state_ = State::kTrailer;
          break;
        }
        if (ieof) return fail_with({400, Status::ParseError("'ieof' on a chunk that is not the last")});
        chunk_left_ = size;
        state_ = State::kChunkData;
        break;
      }

      case State::kChunkData: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, data.size() - pos));
        if (!call(handler_.OnBody(data.substr(pos, n)))) return fail_with(local);
        pos += n;
        chunk_left_ -= n;
        body_bytes_ += n;
        if (chunk_left_ == 0) state_ = State::kChunkDataEnd;
        break;
      }

      case State::kChunkDataEnd: {
        // CRLF (or a bare LF) after the chunk data.
        const char c = data[pos++];
        if (c == '\r' && buffer_.empty()) {
          buffer_ = "\r";
          break;
        }
        if (c != '\n') return fail_with({400, Status::ParseError("chunk data not followed by CRLF")});
        buffer_.clear();
        state_ = State::kChunkSize;
        break;
      }

      case State::kTrailer: {
        // Trailer lines until an empty line; usually just the empty line.
        std::size_t nl = data.find('\n', pos);
        std::size_t take = (nl == std::string_view::npos ? data.size() : nl + 1) - pos;
        if (buffer_.size() + take > limits_.max_trailer)
          return fail_with({400, Status::ParseError("chunked trailer too long")});
        buffer_.append(data.substr(pos, take));
        pos += take;
        if (nl == std::string_view::npos) break;
        // The last line in the buffer: empty (just CRLF/LF) ends the trailer.
        std::string_view b = buffer_;
        b.remove_suffix(1);
        if (!b.empty() && b.back() == '\r') b.remove_suffix(1);
        std::size_t last_nl = b.rfind('\n');
        std::string_view last = last_nl == std::string_view::npos ? b : b.substr(last_nl + 1);
        if (!last.empty()) break;
        buffer_.clear();
        if (preview_active_ && !last_chunk_ieof_) {
          preview_active_ = false;
          state_ = State::kChunkSize;  // the continuation, after 100 Continue
          if (!call(handler_.OnPreviewEnd())) return fail_with(local);
          return pos;
        }
        if (!call(handler_.OnEnd())) return fail_with(local);
        Reset();
        return pos;
      }
    }
  }
  return pos;
}

}  // namespace leakguard::channel::icap
