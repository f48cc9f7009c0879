// Shared by the siem_*_test.cc files: a sample incident and small helpers for temporary folders.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "incident/incident.h"
#include "incident/siem/event.h"

namespace leakguard::incident::siem::testing {

// A web upload of three card numbers, blocked by a default rule. Samples are masked, as the model
// guarantees.
inline Incident SampleIncident(std::string id = "INC-01JDQ3Z8K4M2N6P8R0S2T4V6X8") {
  Incident i;
  i.id = std::move(id);
  i.time_ms = 1795450547123;  // 2026-11-23T16:15:47.123Z
  i.transfer.id = "TX-1";
  i.transfer.time_ms = i.time_ms;
  i.transfer.channel = Channel::kWeb;
  i.transfer.identity.user = "alice@corp.example";
  i.transfer.identity.client_ip = "10.1.2.3";
  i.transfer.identity.host = "pc-alice";
  Destination d;
  d.url = "https://upload.example.com/form?a=b";
  d.host = "upload.example.com";
  d.ip = "203.0.113.7";
  i.transfer.destinations.push_back(d);
  i.transfer.name = "cards.xlsx";
  i.transfer.bytes = 12345;
  RuleMatch audit;
  audit.rule = "default/pii-audit";
  audit.action = Action::kAudit;
  audit.severity = Severity::kLow;
  audit.reason = "EMAIL_ADDRESS x1 (medium)";
  RuleMatch block;
  block.rule = "default/cards-external";
  block.action = Action::kBlock;
  block.severity = Severity::kHigh;
  block.reason = "CREDIT_CARD_NUMBER x3 (high) to upload.example.com (external)";
  block.notify = {"sink:tickets"};
  i.verdict.matched = {audit, block};
  i.verdict.action = Action::kBlock;
  i.verdict.severity = Severity::kHigh;
  i.verdict.label = Label::kRestricted;
  i.verdict.notify = {"sink:tickets"};
  i.verdict.policy_version = "sha256:0123abcd";
  TypeSummary cards;
  cards.type = "CREDIT_CARD_NUMBER";
  cards.count_high = 3;
  cards.samples = {"4111 **** **** 1111", "5500 **** **** 0004"};
  TypeSummary mail;
  mail.type = "EMAIL_ADDRESS";
  mail.count_medium = 1;
  mail.samples = {"a***@corp.example"};
  i.summary.types = {cards, mail};
  i.summary.label = Label::kRestricted;
  i.updated_ms = i.time_ms;
  return i;
}

inline Event SampleEvent(std::string incident_id = "INC-01JDQ3Z8K4M2N6P8R0S2T4V6X8") {
  Event e = IncidentCreated(SampleIncident(std::move(incident_id)));
  e.id = "EVT-01JDQ3Z8K4AAAAAAAAAAAAAAAA";
  return e;
}

// A fresh folder under the system temp folder, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lg-siem-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A port on 127.0.0.1 that was free a moment ago (for `type` SOCK_STREAM or SOCK_DGRAM).
inline std::uint16_t FreePort(int type = SOCK_STREAM) {
  int s = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

// True once something accepts TCP connections on 127.0.0.1:port, false after `timeout`.
inline bool WaitForTcp(std::uint16_t port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A child process (a real receiver: rsyslogd, a Python HTTP server) with its output in `log`.
class Process {
 public:
  Process() = default;
  ~Process() { Stop(); }
  bool Start(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) pid_ = -1;
    return rc == 0;
  }
  void Stop(int sig = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Runs a shell command; true when it exits 0.
inline bool Shell(const std::string& command) { return std::system(command.c_str()) == 0; }

// A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate, in `dir`:
// ca.pem, server.pem/server.key, client.pem/client.key.
inline bool MakeCertificates(const std::string& dir) {
  std::string d = "'" + dir + "'";
  return Shell("cd " + d +
               " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key"
               " -out ca.pem -days 2 -subj '/CN=LeakGuard Test CA' >/dev/null 2>&1"
               " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext"
               " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key"
               " -out server.csr -subj '/CN=localhost' >/dev/null 2>&1"
               " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem"
               " -days 2 -extfile server.ext >/dev/null 2>&1"
               " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key"
               " -out client.csr -subj '/CN=leakguard-client' >/dev/null 2>&1"
               " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem"
               " -days 2 >/dev/null 2>&1");
}

// Polls `done` every 50 ms until it holds or `timeout` passes.
template <typename F>
bool Eventually(F done, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace leakguard::incident::siem::testing
