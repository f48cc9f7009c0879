#include "server/access_log.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace leakguard::server {
namespace {

constexpr std::size_t kMaxMethod = 16;
constexpr std::size_t kMaxPath = 256;

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

}  // namespace

std::string AccessLog::Sanitize(std::string_view s, std::size_t max) {
  std::string out;
  const bool cut = s.size() > max;
  if (cut) s = s.substr(0, max);
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x21 || c > 0x7e || c == '\\') {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut) out += "...";
  return out;
}

std::string AccessLog::Format(const AccessLogEntry& e) {
  std::string_view path = e.target;
  if (auto q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
  char tail[96];
  std::snprintf(tail, sizeof tail, " %d in=%llu out=%llu %.3fms", e.status,
                static_cast<unsigned long long>(e.bytes_in), static_cast<unsigned long long>(e.bytes_out),
                e.ms);
  std::string line;
  line += e.remote.empty() ? "-" : Sanitize(e.remote, 64);
  line += ' ';
  line += e.method.empty() ? "-" : Sanitize(e.method, kMaxMethod);
  line += ' ';
  line += path.empty() ? "-" : Sanitize(path, kMaxPath);
  line += tail;
  return line;
}

void AccessLog::Write(const AccessLogEntry& entry) const {
  if (fd_ < 0) return;
  Emit(Timestamp() + " " + Format(entry) + "\n");
}

void AccessLog::Message(std::string_view text) const {
  if (fd_ < 0) return;
  Emit(Timestamp() + " " + std::string(text) + "\n");
}

void AccessLog::Emit(std::string line) const {
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a failing stderr
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace leakguard::server
