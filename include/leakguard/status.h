// leakguard/status.h — error values for the whole library.
//
// Owns: Status (a code and a message) and Result<T> (std::expected<T, Status>).
// Threads: value types, no shared state; safe everywhere.
// Failure: functions that can fail return Status or Result<T>; the library throws no exceptions on
// its scanning paths. "No match" is never an error: an empty finding list is a successful result.
// kLimitExceeded and kTimeout mean "not finished" (a channel may fail open or closed on them),
// every other code means "failed".
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace leakguard {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from the caller (flag, request field)
  kNotFound,         // file, type or object does not exist
  kIoError,          // read/write failed
  kParseError,       // malformed configuration, YAML, JSON, pattern
  kLimitExceeded,    // a configured bound was hit: not finished
  kTimeout,          // deadline passed: not finished
  kUnavailable,      // a dependency (socket, service) cannot be reached
  kInternal,         // a bug or an unexpected library failure
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status ParseError(std::string m) { return {StatusCode::kParseError, std::move(m)}; }
  static Status LimitExceeded(std::string m) { return {StatusCode::kLimitExceeded, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True for the "not finished" outcomes (limit, timeout), as opposed to failures.
  bool unfinished() const { return code_ == StatusCode::kLimitExceeded || code_ == StatusCode::kTimeout; }
  // "parse error: <message>", or "ok".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Status>;

// return Unexpected(Status::NotFound("...")); from a function returning Result<T>.
inline std::unexpected<Status> Unexpected(Status s) { return std::unexpected<Status>(std::move(s)); }

}  // namespace leakguard
