#include "channel/milter/milter_codec.h"

namespace leakguard::channel::milter {
namespace {

std::uint32_t ReadU32(std::string_view d) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(d[0])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(d[1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(d[2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(d[3]));
}

void AppendU32(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v >> 24);
  s += static_cast<char>(v >> 16);
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v);
}

// Reads one NUL-terminated string from the front of `d`.
bool TakeString(std::string_view& d, std::string& out) {
  std::size_t nul = d.find('\0');
  if (nul == std::string_view::npos) return false;
  out.assign(d.substr(0, nul));
  d.remove_prefix(nul + 1);
  return true;
}

// CR, LF and NUL become spaces; in a reply text (not a header) '%' is doubled.
std::string Sanitize(std::string_view text, bool reply_text = false) {
  std::string out;
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') {
      out += ' ';
    } else if (c == '%' && reply_text) {
      out += "%%";  // libmilter-style MTAs treat the reply as a format string
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Status Decoder::Feed(std::string_view data, std::vector<Packet>& out) {
  if (failed_) return Status::ParseError("milter stream already failed");
  buffer_.append(data);
  std::size_t pos = 0;
  while (buffer_.size() - pos >= 4) {
    const std::uint32_t len = ReadU32(std::string_view(buffer_).substr(pos, 4));
    if (len == 0) {
      failed_ = true;
      return Status::ParseError("milter packet of length 0");
    }
    if (len > limits_.max_packet) {
      failed_ = true;
      return Status::LimitExceeded("milter packet of " + std::to_string(len) +
                                   " bytes exceeds the limit of " + std::to_string(limits_.max_packet));
    }
    if (buffer_.size() - pos - 4 < len) break;
    Packet p;
    p.command = buffer_[pos + 4];
    p.data.assign(buffer_, pos + 5, len - 1);
    out.push_back(std::move(p));
    pos += 4 + len;
  }
  buffer_.erase(0, pos);
  return Status::Ok();
}

Result<OptNeg> ParseOptNeg(std::string_view data) {
  if (data.size() < 12) return Unexpected(Status::ParseError("OPTNEG shorter than 12 bytes"));
  return OptNeg{ReadU32(data), ReadU32(data.substr(4)), ReadU32(data.substr(8))};
}

Result<Connect> ParseConnect(std::string_view data) {
  Connect c;
  if (!TakeString(data, c.hostname))
    return Unexpected(Status::ParseError("CONNECT: hostname not terminated"));
  if (data.empty()) return Unexpected(Status::ParseError("CONNECT: no address family"));
  c.family = data.front();
  data.remove_prefix(1);
  if (c.family == 'U') return c;  // unknown: nothing follows
  if (c.family != '4' && c.family != '6' && c.family != 'L')
    return Unexpected(Status::ParseError("CONNECT: unknown address family"));
  if (data.size() < 2) return Unexpected(Status::ParseError("CONNECT: no port"));
  c.port = static_cast<std::uint16_t>((static_cast<unsigned char>(data[0]) << 8) |
                                      static_cast<unsigned char>(data[1]));
  data.remove_prefix(2);
  if (!TakeString(data, c.address)) return Unexpected(Status::ParseError("CONNECT: address not terminated"));
  return c;
}

Result<Macros> ParseMacros(std::string_view data) {
  if (data.empty()) return Unexpected(Status::ParseError("MACRO without a command"));
  Macros m;
  m.command = data.front();
  data.remove_prefix(1);
  while (!data.empty()) {
    std::string name, value;
    if (!TakeString(data, name) || !TakeString(data, value))
      return Unexpected(Status::ParseError("MACRO: name or value not terminated"));
    m.values.emplace_back(std::move(name), std::move(value));
  }
  return m;
}

Result<std::vector<std::string>> ParseStrings(std::string_view data) {
  std::vector<std::string> out;
  while (!data.empty()) {
    std::string s;
    if (!TakeString(data, s)) return Unexpected(Status::ParseError("string not terminated"));
    out.push_back(std::move(s));
  }
  if (out.empty()) return Unexpected(Status::ParseError("no arguments"));
  return out;
}

Result<std::pair<std::string, std::string>> ParseHeader(std::string_view data) {
  std::string name, value;
  if (!TakeString(data, name) || !TakeString(data, value))
    return Unexpected(Status::ParseError("HEADER: name or value not terminated"));
  return std::pair{std::move(name), std::move(value)};
}

std::string StripAngles(std::string_view a) {
  while (!a.empty() && (a.front() == ' ' || a.front() == '<')) a.remove_prefix(1);
  while (!a.empty() && (a.back() == ' ' || a.back() == '>')) a.remove_suffix(1);
  return std::string(a);
}

std::string Encode(char command, std::string_view data) {
  std::string s;
  AppendU32(s, static_cast<std::uint32_t>(data.size() + 1));
  s += command;
  s += data;
  return s;
}

std::string EncodeOptNeg(const OptNeg& o) {
  std::string d;
  AppendU32(d, o.version);
  AppendU32(d, o.actions);
  AppendU32(d, o.protocol);
  return Encode(cmd::kOptNeg, d);
}

std::string EncodeReplyCode(std::string_view code, std::string_view xcode, std::string_view text) {
  std::string d = Sanitize(code, true) + " " + Sanitize(xcode, true) + " " + Sanitize(text, true);
  d += '\0';
  return Encode(reply::kReplyCode, d);
}

std::string EncodeAddHeader(std::string_view name, std::string_view value) {
  std::string d = Sanitize(name);
  d += '\0';
  d += Sanitize(value);
  d += '\0';
  return Encode(reply::kAddHeader, d);
}

std::string EncodeChangeHeader(std::uint32_t index, std::string_view name, std::string_view value) {
  std::string d;
  AppendU32(d, index);
  d += Sanitize(name);
  d += '\0';
  d += Sanitize(value);
  d += '\0';
  return Encode(reply::kChangeHeader, d);
}

std::string EncodeDelRcpt(std::string_view rcpt) {
  std::string d(rcpt);
  d += '\0';
  return Encode(reply::kDelRcpt, d);
}

std::string EncodeQuarantine(std::string_view reason) {
  std::string d = Sanitize(reason);
  d += '\0';
  return Encode(reply::kQuarantine, d);
}

std::string EncodeReplaceBody(std::string_view body) {
  std::string out;
  if (body.empty()) return Encode(reply::kReplaceBody, {});
  for (std::size_t i = 0; i < body.size(); i += kMaxBodyChunk)
    out += Encode(reply::kReplaceBody, body.substr(i, kMaxBodyChunk));
  return out;
}

}  // namespace leakguard::channel::milter
