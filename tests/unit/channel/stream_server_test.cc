// The stream server (channel/stream_server.h) on a unix-domain socket: a session answers over it, the
// socket gets its mode and group, a stale socket file is replaced, a live one, a regular file or a
// missing folder are clear errors, and Stop removes the socket.
#include "channel/stream_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace leakguard::channel {
namespace {

namespace fs = std::filesystem;

// Answers every line with "echo: <line>\n".
class EchoSession : public StreamSession {
 public:
  explicit EchoSession(std::string peer) : peer_(std::move(peer)) {}
  std::size_t Feed(std::string_view data) override {
    std::size_t nl = data.find('\n');
    if (nl == std::string_view::npos) return 0;
    out_ += "echo(" + peer_ + "): " + std::string(data.substr(0, nl)) + "\n";
    return nl + 1;
  }
  std::string TakeOutput() override { return std::exchange(out_, std::string()); }
  bool has_more_output() const override { return !out_.empty(); }
  bool close_after_output() const override { return false; }
  bool idle() const override { return true; }

 private:
  std::string peer_;
  std::string out_;
};

int ConnectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), std::min(path.size(), sizeof a.sun_path - 1));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

std::string RoundTrip(int fd, std::string_view line) {
  ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
  std::string got;
  char b[256];
  while (got.find('\n') == std::string::npos) {
    ssize_t n = ::recv(fd, b, sizeof b, 0);
    if (n <= 0) break;
    got.append(b, static_cast<std::size_t>(n));
  }
  return got;
}

class UnixStreamServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lg-unix-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "milter.sock").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<StreamServer> Server(StreamServerOptions o) {
    o.protocol = "milter";
    o.threads = 2;
    return std::make_unique<StreamServer>(
        std::move(o), [](std::string peer) { return std::make_unique<EchoSession>(std::move(peer)); },
        [] { return std::string("busy\n"); });
  }
  StreamServerOptions Options() const {
    StreamServerOptions o;
    o.unix_path = path_;
    return o;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(UnixStreamServerTest, ServesAndRemovesItsSocketOnStop) {
  auto server = Server(Options());
  ASSERT_TRUE(server->Start().ok());
  EXPECT_EQ(server->listen_name(), "unix:" + path_);
  EXPECT_EQ(server->port(), 0);
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  int fd = ConnectUnix(path_);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(RoundTrip(fd, "hello\n"), "echo(): hello\n");  // no peer address on a unix socket
  EXPECT_EQ(RoundTrip(fd, "again\n"), "echo(): again\n");
  ::close(fd);
  server->Stop();
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
}

TEST_F(UnixStreamServerTest, ModeAndGroupAreApplied) {
  StreamServerOptions o = Options();
  o.socket_mode = 0600;
  o.socket_group = std::to_string(::getgid());
  auto server = Server(o);
  ASSERT_TRUE(server->Start().ok());
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_gid, ::getgid());
}

TEST_F(UnixStreamServerTest, StaleSocketIsReplaced) {
  // A socket file nobody accepts on: what a killed process leaves behind.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path_.data(), path_.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(fd);
  ASSERT_TRUE(fs::is_socket(path_));
  auto server = Server(Options());
  Status s = server->Start();
  ASSERT_TRUE(s.ok()) << s.ToString();
  int c = ConnectUnix(path_);
  ASSERT_GE(c, 0);
  EXPECT_EQ(RoundTrip(c, "x\n"), "echo(): x\n");
  ::close(c);
}

TEST_F(UnixStreamServerTest, SocketInUseIsNotTakenOver) {
  auto first = Server(Options());
  ASSERT_TRUE(first->Start().ok());
  auto second = Server(Options());
  Status s = second->Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("another process is listening on " + path_), std::string::npos) << s.message();
  second.reset();  // its Stop must not remove the first server's socket
  int c = ConnectUnix(path_);
  ASSERT_GE(c, 0);
  EXPECT_EQ(RoundTrip(c, "still\n"), "echo(): still\n");
  ::close(c);
}

TEST_F(UnixStreamServerTest, RegularFileIsLeftAlone) {
  std::ofstream(path_) << "not a socket";
  auto server = Server(Options());
  Status s = server->Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path_ + " exists and is not a socket"), std::string::npos) << s.message();
  server.reset();
  EXPECT_TRUE(fs::is_regular_file(path_));
}

TEST_F(UnixStreamServerTest, ClearErrors) {
  StreamServerOptions o = Options();
  o.unix_path = (dir_ / "missing" / "milter.sock").string();
  Status s = Server(o)->Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot listen for milter on unix:" + o.unix_path + ": folder " +
                             (dir_ / "missing").string() + " does not exist");

  o.unix_path = "milter.sock";
  s = Server(o)->Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("must be absolute"), std::string::npos);

  o.unix_path = "/" + std::string(200, 'a');
  s = Server(o)->Start();
  EXPECT_NE(s.message().find("longer than 107 bytes"), std::string::npos) << s.message();

  o = Options();
  o.socket_group = "no-such-group-lg";
  s = Server(o)->Start();
  EXPECT_NE(s.message().find("no group 'no-such-group-lg'"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
}

TEST(InetStreamServer, ListenNameHasTheBoundPort) {
  StreamServerOptions o;
  o.port = 0;
  o.threads = 1;
  StreamServer server(
      o, [](std::string peer) { return std::make_unique<EchoSession>(std::move(peer)); }, nullptr);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_NE(server.port(), 0);
  EXPECT_EQ(server.listen_name(), "inet:127.0.0.1:" + std::to_string(server.port()));
}

}  // namespace
}  // namespace leakguard::channel
