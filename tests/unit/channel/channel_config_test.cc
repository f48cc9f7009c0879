// The icap: and milter: sections of the configuration file.
#include <gtest/gtest.h>

#include "channel/icap/icap_config.h"
#include "channel/milter/milter_config.h"

namespace leakguard::channel {
namespace {

TEST(ChannelConfig, IcapSection) {
  auto c = icap::ParseIcapConfig(R"(
infotypes: []
icap:
  listen: 0.0.0.0:11344
  preview: 8KiB
  fail: open
  max_body: 1GiB
  transfer_ignore: [jpg, mp4]
)",
                                 "lg.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_TRUE(c->enabled);
  EXPECT_EQ(c->server.address, "0.0.0.0");
  EXPECT_EQ(c->server.port, 11344);
  EXPECT_EQ(c->service.preview, 8192u);
  EXPECT_TRUE(c->service.fail_open);
  EXPECT_EQ(c->service.max_body, 1ull << 30);
  EXPECT_EQ(c->service.transfer_ignore.size(), 2u);
  auto off = icap::ParseIcapConfig("icap: {listen: off}", "x.yaml");
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->enabled);
  auto none = icap::ParseIcapConfig("policy: p.yaml", "x.yaml");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->server.port, 1344);
}

TEST(ChannelConfig, ErrorsNameFileLineAndKey) {
  auto bad = icap::ParseIcapConfig("icap:\n  preview: lots\n", "lg.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(),
            "lg.yaml:2: icap.preview: expected a size such as 4096 or 16MiB, not 'lots'");
  bad = icap::ParseIcapConfig("icap:\n  fail: maybe\n", "lg.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("icap.fail: expected open or closed"), std::string::npos);
  bad = icap::ParseIcapConfig("icap:\n  listen: nowhere\n", "lg.yaml");
  ASSERT_FALSE(bad);
  bad = icap::ParseIcapConfig("icap:\n  colour: red\n", "lg.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("icap.colour: unknown key"), std::string::npos);
  bad = icap::ParseIcapConfig("icap: [1, 2]\n", "lg.yaml");
  ASSERT_FALSE(bad);
  auto m = milter::ParseMilterConfig("milter:\n  on_block: sometimes\n", "lg.yaml");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("milter.on_block: expected remove_recipients or reject"),
            std::string::npos);
}

TEST(ChannelConfig, MilterSection) {
  auto m = milter::ParseMilterConfig("milter:\n  listen: 127.0.0.1:18891\n  on_block: reject\n  fail: open\n",
                                     "x");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->server.port, 18891);
  EXPECT_FALSE(m->service.remove_recipients);
  EXPECT_TRUE(m->service.fail_open);
  EXPECT_EQ(m->server.protocol, "milter");
  auto d = milter::ParseMilterConfig("", "x");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->server.port, 8891);
  EXPECT_TRUE(d->service.remove_recipients);
}

TEST(ChannelConfig, MilterOnAUnixSocket) {
  for (std::string_view scheme : {"unix", "local"}) {
    auto m = milter::ParseMilterConfig("milter:\n  listen: " + std::string(scheme) +
                                           ":/var/spool/postfix/leakguard/milter.sock\n"
                                           "  socket_mode: 0660\n  socket_group: postfix\n",
                                       "x");
    ASSERT_TRUE(m) << m.error().ToString();
    EXPECT_TRUE(m->enabled);
    EXPECT_EQ(m->server.unix_path, "/var/spool/postfix/leakguard/milter.sock");
    EXPECT_EQ(m->server.socket_mode, 0660u);
    EXPECT_EQ(m->server.socket_group, "postfix");
    EXPECT_EQ(m->server.ListenName(), "unix:/var/spool/postfix/leakguard/milter.sock");
  }
  auto inet = milter::ParseMilterConfig("milter: {listen: \"inet:127.0.0.1:9999\", socket_mode: 600}", "x");
  ASSERT_TRUE(inet) << inet.error().ToString();
  EXPECT_TRUE(inet->server.unix_path.empty());
  EXPECT_EQ(inet->server.port, 9999);
  EXPECT_EQ(inet->server.socket_mode, 0600u);
  EXPECT_EQ(inet->server.ListenName(), "inet:127.0.0.1:9999");

  auto relative = milter::ParseMilterConfig("milter:\n  listen: unix:milter.sock\n", "lg.yaml");
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message().find("lg.yaml:2: milter.listen: expected an absolute socket path"),
            std::string::npos)
      << relative.error().message();
  auto mode = milter::ParseMilterConfig("milter:\n  socket_mode: 0999\n", "lg.yaml");
  ASSERT_FALSE(mode);
  EXPECT_NE(mode.error().message().find("milter.socket_mode: expected an octal mode"), std::string::npos);
  EXPECT_FALSE(milter::ParseMilterConfig("milter:\n  socket_mode: 01777\n", "lg.yaml"));
  EXPECT_FALSE(milter::ParseMilterConfig("milter:\n  socket_group: ''\n", "lg.yaml"));
}

TEST(ChannelConfig, MilterNotify) {
  auto m = milter::ParseMilterConfig(R"(milter:
  notify:
    smtp: 127.0.0.1:2525
    from: dlp-noreply@corp.example
    to: [sender, security@corp.example]
    subject: "DLP {action} {incident}"
    actions: [alert, block]
    helo: mx.corp.example
    timeout: 5
    retries: 2
    backoff: 1
    queue: 10
)",
                                     "x");
  ASSERT_TRUE(m) << m.error().ToString();
  const milter::NotifyOptions& n = m->service.notify;
  EXPECT_TRUE(n.enabled);
  EXPECT_EQ(n.smtp.host, "127.0.0.1");
  EXPECT_EQ(n.smtp.port, 2525);
  EXPECT_EQ(n.smtp.helo, "mx.corp.example");
  EXPECT_EQ(n.smtp.timeout, std::chrono::seconds(5));
  EXPECT_EQ(n.from, "dlp-noreply@corp.example");
  EXPECT_EQ(n.to, (std::vector<std::string>{"sender", "security@corp.example"}));
  EXPECT_EQ(n.actions, (std::vector<Action>{Action::kAlert, Action::kBlock}));
  EXPECT_EQ(n.retries, 2u);
  EXPECT_EQ(n.queue, 10u);
  EXPECT_FALSE(milter::ParseMilterConfig("", "x")->service.notify.enabled);

  auto error = [](std::string yaml) {
    auto r = milter::ParseMilterConfig("milter:\n  notify:\n" + yaml, "lg.yaml");
    return r ? std::string() : r.error().message();
  };
  EXPECT_NE(error("    to: [sender]\n").find("notify.from: the notice needs a From address"),
            std::string::npos);
  EXPECT_NE(error("    from: x@y\n    to: [bob]\n").find("notify.to: expected a mail address or \"sender\""),
            std::string::npos);
  EXPECT_NE(error("    from: x@y\n    smtp: unix:/x\n").find("expected the relay as HOST:PORT"),
            std::string::npos);
  EXPECT_NE(error("    from: x@y\n    actions: [shout]\n").find("unknown action 'shout'"), std::string::npos);
  EXPECT_NE(error("    from: x@y\n    colour: red\n").find("lg.yaml:4: milter.notify.colour: unknown key"),
            std::string::npos)
      << error("    from: x@y\n    colour: red\n");
  EXPECT_NE(error("    from: nobody\n").find("notify.from: expected a mail address"), std::string::npos);
  auto notice = milter::ParseMilterConfig("milter: {redact_notice: \"{file} removed\"}", "x");
  ASSERT_FALSE(notice);
  EXPECT_NE(notice.error().message().find("put {incident} in it"), std::string::npos);
}

}  // namespace
}  // namespace leakguard::channel
