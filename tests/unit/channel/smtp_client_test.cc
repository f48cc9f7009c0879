// The notification mail path of the milter: the SMTP client (channel/milter/smtp_client.h) against a
// small scripted SMTP server on loopback, the reply reader and dot-stuffing, and the notifier's
// queue, retries and message (channel/milter/mail_notifier.h). The end-to-end check with a real
// Postfix is tests/integration/milter_postfix.sh.
#include "channel/milter/smtp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "channel/milter/mail_notifier.h"

namespace leakguard::channel::milter {
namespace {

// Speaks enough SMTP for the client: greeting, EHLO, MAIL, RCPT, DATA, QUIT. The first
// `tempfail_connections` connections get "421" as greeting; RCPT to an address starting with
// "nobody" gets 550; `data_reply` answers the end of data.
class FakeSmtp {
 public:
  FakeSmtp() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~FakeSmtp() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  void Start() {
    thread_ = std::thread([this] {
      while (!stop_) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        Serve(c);
        ::close(c);
      }
    });
  }
  std::uint16_t port() const { return port_; }
  std::string data() {
    std::lock_guard lock(mu_);
    return data_;
  }
  std::vector<std::string> commands() {
    std::lock_guard lock(mu_);
    return commands_;
  }
  int connections() const { return connections_; }

  int tempfail_connections = 0;
  std::string data_reply = "250 2.0.0 Ok: queued";
  bool silent = false;  // accept and say nothing (timeouts)

 private:
  void Serve(int c) {
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const int n = ++connections_;
    if (silent) {
      char b[16];
      (void)::recv(c, b, sizeof b, 0);
      return;
    }
    auto say = [c](std::string_view s) { ::send(c, s.data(), s.size(), MSG_NOSIGNAL); };
    if (n <= tempfail_connections) {
      say("421 4.3.2 try later\r\n");
      return;
    }
    say("220 fake ESMTP\r\n");
    std::string buf;
    bool in_data = false;
    for (;;) {
      std::size_t eol;
      while ((eol = buf.find("\r\n")) == std::string::npos) {
        char b[4096];
        ssize_t got = ::recv(c, b, sizeof b, 0);
        if (got <= 0) return;
        buf.append(b, static_cast<std::size_t>(got));
      }
      std::string line = buf.substr(0, eol);
      buf.erase(0, eol + 2);
      if (in_data) {
        if (line == ".") {
          in_data = false;
          say(data_reply + "\r\n");
        } else {
          std::lock_guard lock(mu_);
          data_ += line + "\r\n";
        }
        continue;
      }
      {
        std::lock_guard lock(mu_);
        commands_.push_back(line);
      }
      if (line.starts_with("EHLO")) {
        say("250-fake\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
      } else if (line.starts_with("MAIL FROM:")) {
        say("250 2.1.0 Ok\r\n");
      } else if (line.starts_with("RCPT TO:<nobody")) {
        say("550 5.1.1 no such user\r\n");
      } else if (line.starts_with("RCPT TO:")) {
        say("250 2.1.5 Ok\r\n");
      } else if (line == "DATA") {
        say("354 End data with <CR><LF>.<CR><LF>\r\n");
        in_data = true;
      } else if (line == "QUIT") {
        say("221 2.0.0 Bye\r\n");
        return;
      } else {
        say("502 5.5.2 what\r\n");
      }
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::string data_;
  std::vector<std::string> commands_;
};

SmtpOptions To(const FakeSmtp& s) {
  SmtpOptions o;
  o.port = s.port();
  o.helo = "lg.test";
  o.timeout = std::chrono::milliseconds(2000);
  return o;
}

TEST(SmtpClient, SendsWithDotStuffing) {
  FakeSmtp server;
  server.Start();
  SmtpMessage m;
  m.recipients = {"alice@corp.example", "nobody@corp.example", "sec@corp.example"};
  m.data = "Subject: hi\n\n.a line with a dot\nlast line without newline";
  SendResult r = SendMail(To(server), m);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.refused, std::vector<std::string>{"nobody@corp.example"});
  // The server un-stuffs nothing: the doubled dot is what went over the wire.
  EXPECT_EQ(server.data(), "Subject: hi\r\n\r\n..a line with a dot\r\nlast line without newline\r\n");
  auto cmds = server.commands();
  ASSERT_GE(cmds.size(), 6u);
  EXPECT_EQ(cmds[0], "EHLO lg.test");
  EXPECT_EQ(cmds[1], "MAIL FROM:<>");  // automatic mail: the null sender
  EXPECT_EQ(cmds[2], "RCPT TO:<alice@corp.example>");
}

TEST(SmtpClient, TemporaryAndPermanentFailures) {
  FakeSmtp busy;
  busy.tempfail_connections = 100;
  busy.Start();
  SmtpMessage m;
  m.recipients = {"alice@corp.example"};
  m.data = "Subject: x\r\n\r\nbody\r\n";
  SendResult r = SendMail(To(busy), m);
  EXPECT_FALSE(r.status.ok());
  EXPECT_TRUE(r.retry);
  EXPECT_NE(r.status.message().find("421"), std::string::npos) << r.status.message();

  FakeSmtp picky;
  picky.data_reply = "554 5.7.1 rejected";
  picky.Start();
  r = SendMail(To(picky), m);
  EXPECT_FALSE(r.status.ok());
  EXPECT_FALSE(r.retry);

  m.recipients = {"nobody@corp.example"};
  r = SendMail(To(picky), m);
  EXPECT_FALSE(r.retry);
  EXPECT_NE(r.status.message().find("550"), std::string::npos);

  // Nobody listening, and a server that never answers: temporary, within the timeout.
  SmtpOptions closed;
  closed.port = 1;  // reserved: refused on loopback
  closed.timeout = std::chrono::milliseconds(500);
  m.recipients = {"alice@corp.example"};
  r = SendMail(closed, m);
  EXPECT_FALSE(r.status.ok());
  EXPECT_TRUE(r.retry);
  FakeSmtp mute;
  mute.silent = true;
  mute.Start();
  SmtpOptions o = To(mute);
  o.timeout = std::chrono::milliseconds(300);
  auto t0 = std::chrono::steady_clock::now();
  r = SendMail(o, m);
  EXPECT_FALSE(r.status.ok());
  EXPECT_TRUE(r.retry);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST(SmtpClient, ReplyReader) {
  SmtpReplyReader r;
  r.Feed("250-first\r\n250-sec");
  auto a = r.Next();
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->has_value());  // incomplete
  r.Feed("ond\r\n250 last\r\n220 next\r\n");
  a = r.Next();
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ((*a)->code, 250);
  EXPECT_EQ((*a)->text, "first\nsecond\nlast");
  a = r.Next();
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ((*a)->code, 220);
  for (std::string bad : {"hello\r\n", "25\r\n", "250x\r\n", "250-a\r\n251 b\r\n", "999 x\r\n"}) {
    SmtpReplyReader b;
    b.Feed(bad);
    auto n = b.Next();
    EXPECT_FALSE(n) << bad;
  }
  SmtpReplyReader huge;
  huge.Feed("250-" + std::string(SmtpReplyReader::kMaxReply + 10, 'a'));
  EXPECT_FALSE(huge.Next());
}

TEST(SmtpClient, DotStuff) {
  EXPECT_EQ(DotStuff(""), ".\r\n");
  EXPECT_EQ(DotStuff("a\nb"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(DotStuff(".\r\n..x\r\n"), "..\r\n...x\r\n.\r\n");
  EXPECT_EQ(DotStuff("a\rb\r\n"), "a\r\nb\r\n.\r\n");
}

NoticeFacts Facts() {
  NoticeFacts f;
  f.incident = "INC-42";
  f.action = Action::kAlert;
  f.label = Label::kConfidential;
  f.rules = {"mail/nik-alert"};
  f.types = {{"INDONESIA_NIK", 2}};
  f.recipient_domains = {"gmail.com", "corp.example"};
  f.sender = "alice@corp.example";
  f.message_id = "<abc@corp.example>";
  f.rule_targets = {"soc@corp.example", "ALICE@corp.example"};
  return f;
}

TEST(MailNotifier, RecipientsAndMessage) {
  NotifyOptions o;
  o.from = "dlp-noreply@corp.example";
  o.to = {"sender", "security@corp.example"};
  auto to = NoticeRecipients(o, Facts());
  EXPECT_EQ(to,
            (std::vector<std::string>{"alice@corp.example", "security@corp.example", "soc@corp.example"}));
  NoticeFacts bounce = Facts();
  bounce.sender = "";  // a bounce has no sender to tell
  bounce.rule_targets.clear();
  EXPECT_EQ(NoticeRecipients(o, bounce), std::vector<std::string>{"security@corp.example"});

  std::string m = ComposeNotice(o, Facts(), to, "Mon, 1 Jan 2026 00:00:00 +0000", "n1");
  EXPECT_NE(m.find("From: dlp-noreply@corp.example\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: alice@corp.example, security@corp.example, soc@corp.example\r\n"), std::string::npos);
  EXPECT_NE(m.find("Subject: LeakGuard: a message you sent was flagged (incident INC-42)\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("Auto-Submitted: auto-generated\r\n"), std::string::npos);
  EXPECT_NE(m.find("Message-ID: <n1@corp.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\n\r\n"), std::string::npos);
  EXPECT_NE(m.find("INDONESIA_NIK x2"), std::string::npos);
  EXPECT_NE(m.find("mail/nik-alert"), std::string::npos);
  EXPECT_NE(m.find("at gmail.com, corp.example"), std::string::npos);
  // Injection through the sender or subject template stays on one line.
  NoticeFacts evil = Facts();
  evil.sender = "x@y\r\nBcc: all@corp.example";
  std::string e = ComposeNotice(o, evil, {"a@b"}, "d", "n2");
  EXPECT_EQ(e.find("\r\nBcc:"), std::string::npos);
}

TEST(MailNotifier, QueuesSendsAndRetries) {
  FakeSmtp server;
  server.tempfail_connections = 2;  // two temporary failures, then it takes the notice
  server.Start();
  NotifyOptions o;
  o.enabled = true;
  o.smtp = To(server);
  o.from = "dlp-noreply@corp.example";
  o.to = {"sender"};
  o.backoff = std::chrono::milliseconds(20);
  o.retries = 3;
  MailNotifier n(o);
  EXPECT_TRUE(n.Notify(Facts()));
  NoticeFacts block = Facts();
  block.action = Action::kBlock;  // not in `actions`
  EXPECT_FALSE(n.Notify(block));
  ASSERT_TRUE(n.WaitIdle(std::chrono::seconds(10)));
  EXPECT_EQ(server.connections(), 3);
  EXPECT_NE(server.data().find("INC-42"), std::string::npos);
  std::string metrics = n.RenderMetrics();
  EXPECT_NE(metrics.find("leakguard_milter_notices_sent_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("leakguard_milter_notice_retries_total 2"), std::string::npos) << metrics;
}

TEST(MailNotifier, GivesUpAndBoundsTheQueue) {
  FakeSmtp server;
  server.tempfail_connections = 1000;
  server.Start();
  NotifyOptions o;
  o.enabled = true;
  o.smtp = To(server);
  o.from = "dlp-noreply@corp.example";
  o.to = {"security@corp.example"};
  o.backoff = std::chrono::milliseconds(10);
  o.retries = 1;
  o.queue = 2;
  o.drain = std::chrono::milliseconds(200);
  std::vector<std::string> logged;
  std::mutex log_mu;
  o.log = [&](std::string_view line) {
    std::lock_guard lock(log_mu);
    logged.emplace_back(line);
  };
  {
    MailNotifier n(o);
    int queued = 0;
    for (int i = 0; i < 20; ++i) queued += n.Notify(Facts()) ? 1 : 0;
    EXPECT_LT(queued, 20);  // the queue holds 2 (plus the one being sent)
    ASSERT_TRUE(n.WaitIdle(std::chrono::seconds(10)));
    std::string metrics = n.RenderMetrics();
    EXPECT_NE(metrics.find("leakguard_milter_notices_failed_total " + std::to_string(queued)),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("leakguard_milter_notices_dropped_total " + std::to_string(20 - queued)),
              std::string::npos)
        << metrics;
  }
  std::lock_guard lock(log_mu);
  ASSERT_FALSE(logged.empty());
  EXPECT_NE(logged[0].find("notice for incident INC-42 not sent: "), std::string::npos) << logged[0];
}

}  // namespace
}  // namespace leakguard::channel::milter
