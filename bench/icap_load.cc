// leakguard_icap_load — load generator for LeakGuard's ICAP service (bench/icap_load.sh).
//
//   leakguard_icap_load load PORT CONNECTIONS SECONDS BODY_BYTES
//       CONNECTIONS persistent connections, each sending REQMOD requests the way Squid does (Preview
//       4096, Allow: 204, the rest after "100 Continue") with a clean text body of BODY_BYTES; prints
//       requests/s and latency percentiles.
//   leakguard_icap_load idle PORT CONNECTIONS SECONDS
//       opens CONNECTIONS connections, sends OPTIONS on each, keeps them open SECONDS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool SendAll(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one ICAP response head; returns its status (0 on error). Responses here have no body
// (100, 204) or a small one that ends with "0\r\n\r\n".
int ReadResponse(int fd, std::string& buf) {
  for (;;) {
    std::size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      int status = std::atoi(buf.c_str() + 9);
      std::string head = buf.substr(0, end + 4);
      buf.erase(0, end + 4);
      if (head.find("res-body=") != std::string::npos || head.find("req-body=") != std::string::npos) {
        // Skip to the end of the chunked body.
        for (;;) {
          std::size_t z = buf.find("0\r\n\r\n");
          if (z != std::string::npos) {
            buf.erase(0, z + 5);
            break;
          }
          char b[65536];
          ssize_t n = ::recv(fd, b, sizeof b, 0);
          if (n <= 0) return 0;
          buf.append(b, static_cast<std::size_t>(n));
        }
      }
      return status;
    }
    char b[65536];
    ssize_t n = ::recv(fd, b, sizeof b, 0);
    if (n <= 0) return 0;
    buf.append(b, static_cast<std::size_t>(n));
  }
}

std::string Hex(std::size_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "%zx", n);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: %s load PORT CONNECTIONS SECONDS BODY_BYTES | idle PORT CONNECTIONS SECONDS\n",
                 argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int port = std::atoi(argv[2]);
  const int conns = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  if (mode == "idle") {
    std::vector<int> fds;
    for (int i = 0; i < conns; ++i) {
      int fd = Connect(port);
      if (fd < 0) break;
      std::string buf;
      if (!SendAll(fd, "OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n") ||
          ReadResponse(fd, buf) != 200) {
        ::close(fd);
        break;
      }
      fds.push_back(fd);
    }
    std::printf("open %zu\n", fds.size());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    for (int fd : fds) ::close(fd);
    return fds.size() == static_cast<std::size_t>(conns) ? 0 : 1;
  }
  const std::size_t body_bytes = argc > 5 ? std::strtoul(argv[5], nullptr, 10) : 10240;
  std::string body;
  while (body.size() < body_bytes) body += "the quick brown fox jumps over the lazy dog, again and again\n";
  body.resize(body_bytes);
  const std::string http =
      "POST http://files.example.net/upload HTTP/1.1\r\nHost: files.example.net\r\n"
      "Content-Type: text/plain\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  // The preview size the service advertises (as Squid learns it from OPTIONS).
  std::size_t advertised = 4096;
  if (int fd = Connect(port); fd >= 0) {
    std::string buf;
    if (SendAll(fd, "OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n")) {
      char b[4096];
      ssize_t n = ::recv(fd, b, sizeof b, 0);
      std::string head(b, n > 0 ? static_cast<std::size_t>(n) : 0);
      if (auto p = head.find("Preview: "); p != std::string::npos)
        advertised = std::strtoul(head.c_str() + p + 9, nullptr, 10);
    }
    ::close(fd);
  }
  const std::size_t preview = std::min<std::size_t>(advertised, body.size());
  const std::string first =
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\nAllow: 204\r\nPreview: " +
      std::to_string(preview) +
      "\r\nX-Client-IP: 10.0.0.7\r\nEncapsulated: req-hdr=0, req-body=" + std::to_string(http.size()) +
      "\r\n\r\n" + http + Hex(preview) + "\r\n" + body.substr(0, preview) + "\r\n" +
      (preview == body.size() ? "0; ieof\r\n\r\n" : "0\r\n\r\n");
  const std::string rest = preview == body.size()
                               ? std::string()
                               : Hex(body.size() - preview) + "\r\n" + body.substr(preview) + "\r\n0\r\n\r\n";
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> errors{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(conns));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < conns; ++c) {
    threads.emplace_back([&, c] {
      int fd = Connect(port);
      std::string buf;
      while (!stop.load()) {
        if (fd < 0) {
          fd = Connect(port);
          if (fd < 0) {
            ++errors;
            continue;
          }
        }
        const auto t0 = Clock::now();
        int st = SendAll(fd, first) ? ReadResponse(fd, buf) : 0;
        if (st == 100) st = SendAll(fd, rest) ? ReadResponse(fd, buf) : 0;
        if (st != 204 && st != 200) {
          ++errors;
          ::close(fd);
          fd = -1;
          buf.clear();
          continue;
        }
        lat[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      if (fd >= 0) ::close(fd);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  std::printf("requests %zu in %.1f s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %llu\n", all.size(),
              elapsed, all.size() / elapsed, pct(0.50), pct(0.99),
              static_cast<unsigned long long>(errors.load()));
  return 0;
}
