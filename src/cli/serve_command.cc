// `leakguard serve`: compile the engine, start leakguard::server::Server, reload on SIGHUP.

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <charconv>
#include <ctime>
#include <ostream>
#include <string>
#include <thread>

#include "channel/icap/icap_config.h"
#include "channel/icap/icap_server.h"
#include "channel/milter/milter_config.h"
#include "channel/section_reader.h"
#include "cli/cli.h"
#include "incident/decision_point.h"
#include "incident/store.h"
#include "server/server.h"

namespace leakguard::cli {
namespace {

std::string StatusText(const Status& s) { return s.message().empty() ? s.ToString() : s.message(); }

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

Result<ListenAddress> ParseListen(std::string_view text) {
  ListenAddress address;
  std::string_view port_text;
  if (text.starts_with("[")) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Unexpected(
          Status::InvalidArgument("bad --listen '" + std::string(text) + "': expected [IPv6]:PORT"));
    }
    address.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Unexpected(
          Status::InvalidArgument("bad --listen '" + std::string(text) + "': expected HOST:PORT"));
    }
    address.host = std::string(text.substr(0, colon));
    if (address.host.find(':') != std::string::npos) {
      return Unexpected(Status::InvalidArgument("bad --listen '" + std::string(text) +
                                                "': write IPv6 addresses as [ADDR]:PORT"));
    }
    port_text = text.substr(colon + 1);
  }
  if (address.host.empty()) {
    return Unexpected(Status::InvalidArgument("bad --listen '" + std::string(text) + "': missing host"));
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return Unexpected(
        Status::InvalidArgument("bad --listen '" + std::string(text) + "': port must be 0-65535"));
  }
  address.port = static_cast<std::uint16_t>(port);
  return address;
}

// A proxy keeps up to Max-Connections (1,000 by default) ICAP connections open: lift the soft limit
// on open files to the hard one (Debian's soft default is 1,024).
// --icap-listen / --milter-listen: "" keeps the configuration's, "off" disables, HOST:PORT (or
// inet:HOST:PORT) and unix:/PATH (or local:/PATH) enable.
static Status ApplyListenFlag(const std::string& value, std::string_view flag, bool& enabled,
                              channel::StreamServerOptions& server) {
  if (value.empty()) return Status::Ok();
  if (value == "off") {
    enabled = false;
    return Status::Ok();
  }
  if (value.starts_with("unix:") || value.starts_with("local:")) {
    channel::SectionReader::Listen l;
    if (std::string e = channel::ParseListenValue(value, l); !e.empty())
      return Status::InvalidArgument(std::string(flag) + ": " + e);
    enabled = true;
    server.unix_path = l.unix_path;
    return Status::Ok();
  }
  auto a = ParseListen(std::string_view(value).substr(value.starts_with("inet:") ? 5 : 0));
  if (!a) return Status::InvalidArgument(std::string(flag) + ": " + a.error().message());
  enabled = true;
  server.unix_path.clear();
  server.address = a->host;
  server.port = a->port;
  return Status::Ok();
}

static void RaiseOpenFileLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

int RunServe(const ServeArgs& args, std::ostream& out, std::ostream& err) {
  RaiseOpenFileLimit();
  auto address = ParseListen(args.listen);
  if (!address) {
    PrintError(err, address.error().message());
    return kExitError;
  }
  auto engine = Engine::CompileFiles(args.configs, args.include_builtin);
  if (!engine) {
    PrintError(err, StatusText(engine.error()));
    return kExitError;
  }
  // SIGHUP is blocked here, before any thread starts (the policy watcher, SIEM workers and server
  // threads inherit the mask), and taken by the reload thread below with sigtimedwait.
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &hup, &old_mask);
  struct RestoreMask {
    sigset_t mask;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{old_mask};
  // The engine the policy checks its info type ids against: swapped with the server's on SIGHUP.
  std::atomic<std::shared_ptr<const Engine>> current_engine{*engine};
  std::unique_ptr<incident::DecisionPoint> decisions;
  if (args.decide) {
    incident::DecisionPointOptions dpo;
    dpo.config_path = args.configs.empty() ? "" : args.configs.front();
    dpo.policy_path = args.policy_path;
    dpo.store_url = args.store_url;
    dpo.watch_files = args.watch;
    dpo.product_version = std::string(kVersion);
    dpo.log = [&err](std::string_view line) { err << "leakguard: " << line << std::endl; };
    auto dp =
        incident::DecisionPoint::Create(std::move(dpo), [&current_engine] { return current_engine.load(); });
    if (!dp) {
      PrintError(err, StatusText(dp.error()));
      return kExitError;
    }
    decisions = std::move(*dp);
    const auto bundle = decisions->policy();
    err << "leakguard: policy " << bundle->policy->source() << " (" << bundle->policy->version() << "), "
        << "incidents in " << decisions->store().display_name() << std::endl;
  }

  server::ServerOptions options;
  options.listen_address = address->host;
  options.listen_port = address->port;
  options.threads = args.threads;
  options.max_body_bytes = args.max_body_bytes;
  options.allow_reveal = args.allow_reveal;
  options.limits = args.limits;
  if (decisions) {
    incident::DecisionPoint* dp = decisions.get();
    options.decide = [dp](Transfer& t, FindingsSummary& s,
                          const std::vector<incident::ContentItem>& content) {
      return dp->Decide(t, s, content);
    };
    options.classifier = [dp] { return dp->classifier(); };
    options.extra_metrics = [dp] { return dp->RenderMetrics(); };
    options.justify = [dp](const std::string& incident, const std::string& ticket,
                           const std::string& reason) { return dp->Justify(incident, ticket, reason); };
  }
  // The ICAP service starts after the HTTP listener is bound (its justify page links to it); its
  // counters join /metrics through this pointer.
  std::atomic<channel::icap::IcapService*> icap_metrics{nullptr};
  std::atomic<channel::milter::MilterService*> milter_metrics{nullptr};
  {
    auto previous = options.extra_metrics;
    options.extra_metrics = [previous, &icap_metrics, &milter_metrics] {
      std::string out = previous ? previous() : std::string();
      if (channel::icap::IcapService* is = icap_metrics.load()) out += is->RenderMetrics();
      if (channel::milter::MilterService* ms = milter_metrics.load()) out += ms->RenderMetrics();
      return out;
    };
  }
  server::Server server(options, *engine);
  if (Status s = server.Start(); !s.ok()) {
    PrintError(err, "cannot listen on " + args.listen + ": " + StatusText(s));
    return kExitError;
  }
  // ICAP for web proxies (docs/integrations/squid.md), on its own threads.
  channel::icap::IcapConfig icap;
  if (!args.configs.empty()) {
    auto loaded = channel::icap::LoadIcapConfig(args.configs.front());
    if (!loaded) {
      PrintError(err, StatusText(loaded.error()));
      return kExitError;
    }
    icap = std::move(*loaded);
  }
  if (Status s = ApplyListenFlag(args.icap_listen, "--icap-listen", icap.enabled, icap.server); !s.ok()) {
    PrintError(err, s.message());
    return kExitError;
  }
  icap.server.threads = args.threads;
  // The justify page's form posts to this server's HTTP API (as the proxy reaches it).
  if (icap.service.justify_url.empty())
    icap.service.justify_url = "http://" +
                               HostForUrl(address->host == "0.0.0.0" ? "127.0.0.1" : address->host) + ":" +
                               std::to_string(server.port()) + "/v1/justify";
  icap.service.limits = args.limits;
  std::unique_ptr<channel::icap::IcapService> icap_service;
  std::unique_ptr<channel::icap::IcapServer> icap_server;
  if (icap.enabled) {
    icap_service = std::make_unique<channel::icap::IcapService>(icap.service, *engine, decisions.get());
    icap_server = std::make_unique<channel::icap::IcapServer>(icap.server, *icap_service);
    if (Status s = icap_server->Start(); !s.ok()) {
      PrintError(err, StatusText(s));
      return kExitError;
    }
    if (icap.server.unix_path.empty())
      err << "leakguard: ICAP on icap://" << HostForUrl(icap.server.address) << ':' << icap_server->port()
          << '/' << icap.service.reqmod_service << " and /" << icap.service.respmod_service << std::endl;
    else
      err << "leakguard: ICAP on " << icap_server->listen_name() << std::endl;
    icap_metrics.store(icap_service.get());
  }
  // The milter for mail servers (docs/integrations/postfix.md), on its own threads.
  channel::milter::MilterConfig milter;
  if (!args.configs.empty()) {
    auto loaded = channel::milter::LoadMilterConfig(args.configs.front());
    if (!loaded) {
      PrintError(err, StatusText(loaded.error()));
      return kExitError;
    }
    milter = std::move(*loaded);
  }
  if (Status s = ApplyListenFlag(args.milter_listen, "--milter-listen", milter.enabled, milter.server);
      !s.ok()) {
    PrintError(err, s.message());
    return kExitError;
  }
  milter.server.threads = args.threads;
  milter.service.limits = args.limits;
  milter.service.notify.log = [&err](std::string_view line) {
    err << "leakguard: milter: " << line << std::endl;
  };
  std::unique_ptr<channel::milter::MilterService> milter_service;
  std::unique_ptr<channel::StreamServer> milter_server;
  if (milter.enabled) {
    milter_service =
        std::make_unique<channel::milter::MilterService>(milter.service, *engine, decisions.get());
    channel::milter::MilterService* ms = milter_service.get();
    milter_server = std::make_unique<channel::StreamServer>(
        milter.server, [ms](std::string peer) { return ms->NewSession(std::move(peer)); },
        [] { return channel::milter::EncodeReplyCode("421", "4.7.0", "too many milter connections"); });
    if (Status s = milter_server->Start(); !s.ok()) {
      PrintError(err, StatusText(s));
      return kExitError;
    }
    err << "leakguard: milter on " << milter_server->listen_name() << std::endl;
    if (milter.service.notify.enabled)
      err << "leakguard: milter notices through smtp " << milter.service.notify.smtp.host << ':'
          << milter.service.notify.smtp.port << std::endl;
    milter_metrics.store(ms);
  }
  err << "leakguard: listening on http://" << HostForUrl(address->host) << ':' << server.port() << std::endl;

  std::atomic<bool> done{false};
  std::thread reloader([&] {
    while (!done.load()) {
      timespec timeout{0, 200 * 1000 * 1000};
      if (sigtimedwait(&hup, nullptr, &timeout) != SIGHUP) continue;
      auto fresh = Engine::CompileFiles(args.configs, args.include_builtin);
      if (!fresh) {
        err << "leakguard: error: reload failed, keeping the previous configuration: "
            << StatusText(fresh.error()) << std::endl;
        continue;
      }
      server.SwapEngine(*fresh);
      if (icap_service) icap_service->SwapEngine(*fresh);
      if (milter_service) milter_service->SwapEngine(*fresh);
      current_engine.store(*fresh);
      err << "leakguard: configuration reloaded" << std::endl;
      // The outcome is logged (and audited) by the decision point's reload callback.
      if (decisions) (void)decisions->ReloadPolicy();
    }
  });
  Status run = server.Run(/*handle_signals=*/true);
  done.store(true);
  reloader.join();
  if (icap_server) icap_server->Stop();
  if (milter_server) milter_server->Stop();
  if (!run.ok()) {
    PrintError(err, "server stopped: " + StatusText(run));
    return kExitError;
  }
  err << "leakguard: stopped" << std::endl;
  return kExitClean;
}

}  // namespace leakguard::cli
