#include "incident/siem/exporter.h"

#include <unistd.h>

#include <cctype>
#include <iostream>
#include <random>
#include <set>
#include <system_error>
#include <utility>

namespace leakguard::incident::siem {

struct Exporter::SinkState {
  SinkConfig config;
  std::unique_ptr<Spool> spool;
  std::unique_ptr<Sink> sink;
  std::thread worker;
  std::mutex mu;  // with cv: wakes the worker for a new event or Stop
  std::condition_variable cv;
  bool pending = false;  // a Publish happened since the worker last looked

  std::atomic<std::uint64_t> spooled{0}, delivered{0}, failed{0}, dropped{0}, rejected{0};
  std::atomic<bool> up{true};
  std::atomic<std::int64_t> last_delivery_ms{0};
  mutable std::mutex error_mu;
  std::string last_error;
};

Exporter::Exporter(SiemConfig config, ExporterOptions options)
    : config_(std::move(config)), options_(std::move(options)) {
  format_.product_version = options_.product_version;
  format_.hostname = config_.hostname;
  format_.facility = config_.facility;
  format_.pid = static_cast<std::int64_t>(::getpid());
}

Result<std::unique_ptr<Exporter>> Exporter::Create(SiemConfig config, ExporterOptions options) {
  // Names become folder names and metric labels: the YAML parser checks them, a config built in code
  // is checked here.
  std::set<std::string> names;
  for (const auto& sc : config.sinks) {
    bool ok = !sc.name.empty() && sc.name.front() != '.';
    for (char c : sc.name)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    if (!ok)
      return Unexpected(
          Status::InvalidArgument("sink name '" + sc.name + "': use letters, digits, '.', '-', '_'"));
    if (!names.insert(sc.name).second)
      return Unexpected(Status::InvalidArgument("sink name '" + sc.name + "' used twice"));
  }
  if (!config.sinks.empty() && config.spool_dir.empty())
    return Unexpected(Status::InvalidArgument("siem: a spool folder is required"));
  std::unique_ptr<Exporter> e(new Exporter(std::move(config), std::move(options)));
  for (const auto& sc : e->config_.sinks) {
    auto state = std::make_unique<SinkState>();
    state->config = sc;
    SpoolOptions so;
    so.dir = e->config_.spool_dir + "/" + sc.name;
    so.max_bytes = e->config_.spool_max_bytes;
    so.max_events = e->config_.spool_max_events;
    so.sync = e->config_.spool_sync;
    auto spool = Spool::Open(so);
    if (!spool)
      return Unexpected(Status(spool.error().code(), "sink " + sc.name + ": " + spool.error().message()));
    state->spool = std::move(*spool);
    auto sink = MakeSink(sc, e->format_);
    if (!sink) return Unexpected(sink.error());
    state->sink = std::move(*sink);
    e->sinks_.push_back(std::move(state));
  }
  if (e->options_.start_workers) {
    for (auto& s : e->sinks_) {
      if (s->spool->events() > 0)
        e->Log("siem: sink " + s->config.name + ": " + std::to_string(s->spool->events()) +
               " events left by a previous run are queued again");
      SinkState* raw = s.get();
      s->worker = std::thread([ex = e.get(), raw] { ex->Work(*raw); });
    }
  }
  return e;
}

Exporter::~Exporter() { Stop(); }

void Exporter::Log(std::string_view line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "leakguard: " << line << std::endl;
  }
}

bool Exporter::Routes(const SinkConfig& sink, const Event& event) const {
  if (event.type == EventType::kIncidentUpdated && !sink.updates) return false;
  const Verdict& v = event.incident.verdict;
  if (sink.all && v.severity >= sink.min_severity) return true;
  const std::string by_name = "sink:" + sink.name;
  const std::string_view by_type = SinkTypeName(sink.type);
  auto named = [&](const std::vector<std::string>& targets) {
    for (const auto& t : targets)
      if (t == by_name || t == by_type || (t == "siem" && sink.type == SinkType::kSyslog)) return true;
    return false;
  };
  if (named(v.notify)) return true;
  for (const auto& m : v.matched)
    if (named(m.notify)) return true;
  return false;
}

std::vector<std::string> Exporter::Route(const Event& event) const {
  std::vector<std::string> out;
  for (const auto& s : sinks_)
    if (Routes(s->config, event)) out.push_back(s->config.name);
  return out;
}

Status Exporter::Publish(const Event& event) {
  if (stopping_.load()) return Status::Unavailable("siem exporter stopped");
  struct Pending {
    SinkState* sink;
    std::string payload;
    Status status;
  };
  std::vector<Pending> work;
  for (auto& s : sinks_)
    if (Routes(s->config, event)) work.push_back({s.get(), RenderPayload(s->config, event, format_), {}});
  auto append = [&](Pending& p) {
    p.status = p.sink->spool->Append(event.id, EventTypeName(event.type), p.payload);
  };
  if (work.size() == 1) {
    append(work[0]);
  } else if (work.size() > 1) {
    // Each append waits for two fsyncs: side by side, Publish takes one sink's time, not the sum.
    std::vector<std::thread> helpers;
    for (std::size_t i = 1; i < work.size(); ++i) {
      try {
        helpers.emplace_back(append, std::ref(work[i]));
      } catch (const std::system_error&) {  // no thread to be had: do it here
        append(work[i]);
      }
    }
    append(work[0]);
    for (auto& t : helpers) t.join();
  }
  std::string errors;
  StatusCode code = StatusCode::kOk;
  for (auto& p : work) {
    SinkState& s = *p.sink;
    if (!p.status.ok()) {
      s.dropped.fetch_add(1);
      if (code == StatusCode::kOk || p.status.code() == StatusCode::kIoError) code = p.status.code();
      errors += (errors.empty() ? "" : "; ") + ("sink " + s.config.name + ": " + p.status.message());
      continue;
    }
    s.spooled.fetch_add(1);
    {
      std::lock_guard lock(s.mu);
      s.pending = true;
    }
    s.cv.notify_one();
  }
  if (code != StatusCode::kOk) return Status(code, "event " + event.id + " not spooled for " + errors);
  return Status::Ok();
}

void Exporter::Work(SinkState& s) {
  std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t failures = 0;  // consecutive
  auto wait = [&](std::chrono::milliseconds delay, bool wake_on_publish) {
    std::unique_lock lock(s.mu);
    auto until = std::chrono::steady_clock::now() + delay;
    s.cv.wait_until(lock, until, [&] { return stopping_.load() || (wake_on_publish && s.pending); });
    s.pending = false;
  };
  while (!stopping_.load()) {
    auto front = s.spool->Front();
    if (front && !*front) {  // empty: sleep until a Publish (the timeout only guards a lost wake-up)
      { std::lock_guard lock(progress_mu_); }
      progress_cv_.notify_all();
      wait(std::chrono::seconds(5), true);
      continue;
    }
    Status st = front ? s.sink->Deliver(**front) : front.error();
    if (st.ok()) {
      if (Status r = s.spool->Remove((*front)->seq); !r.ok())
        Log("siem: sink " + s.config.name + ": " + r.message());
      s.delivered.fetch_add(1);
      s.last_delivery_ms.store(NowMs());
      if (!s.up.exchange(true))
        Log("siem: sink " + s.config.name + " is delivering again after " + std::to_string(failures) +
            " failed attempts");
      failures = 0;
      continue;
    }
    if (front && st.code() == StatusCode::kInvalidArgument) {
      s.rejected.fetch_add(1);
      Log("siem: sink " + s.config.name + " refused event " + (*front)->event_id + " for good (" +
          st.message() + "); kept in " + s.spool->dir() + "/rejected");
      if (Status r = s.spool->Reject((*front)->seq, st.message()); !r.ok())
        Log("siem: sink " + s.config.name + ": " + r.message());
      continue;
    }
    s.failed.fetch_add(1);
    {
      std::lock_guard lock(s.error_mu);
      s.last_error = st.ToString();
    }
    ++failures;
    if (s.up.exchange(false))
      Log("siem: sink " + s.config.name + " is down (" + st.ToString() + "); " +
          std::to_string(s.spool->events()) + " events wait in its spool, retrying with backoff");
    // Exponential backoff with +-20% jitter, so nodes sharing a receiver do not retry in lockstep.
    double base = static_cast<double>(config_.retry_initial.count()) *
                  static_cast<double>(1ull << std::min<std::uint64_t>(failures - 1, 30));
    base = std::min(base, static_cast<double>(config_.retry_max.count()));
    double jitter = std::uniform_real_distribution<double>(0.8, 1.2)(rng);
    wait(std::chrono::milliseconds(static_cast<std::int64_t>(base * jitter)), false);
  }
}

bool Exporter::Flush(std::chrono::milliseconds timeout) {
  auto empty = [&] {
    for (const auto& s : sinks_)
      if (s->spool->events() > 0) return false;
    return true;
  };
  std::unique_lock lock(progress_mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!empty()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Workers notify when they find their spool empty; poll too, as a spool may drain between checks.
    progress_cv_.wait_until(
        lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
  }
  return true;
}

void Exporter::Stop() {
  stopping_.store(true);
  for (auto& s : sinks_) {
    { std::lock_guard lock(s->mu); }
    s->cv.notify_all();
  }
  for (auto& s : sinks_)
    if (s->worker.joinable()) s->worker.join();
}

std::vector<SinkStats> Exporter::Stats() const {
  std::vector<SinkStats> out;
  for (const auto& s : sinks_) {
    SinkStats st;
    st.name = s->config.name;
    st.type = std::string(SinkTypeName(s->config.type));
    st.spooled = s->spooled.load();
    st.delivered = s->delivered.load();
    st.failed_attempts = s->failed.load();
    st.dropped = s->dropped.load();
    st.rejected = s->rejected.load();
    st.queued_events = s->spool->events();
    st.queued_bytes = s->spool->bytes();
    st.up = s->up.load();
    st.last_delivery_ms = s->last_delivery_ms.load();
    {
      std::lock_guard lock(s->error_mu);
      st.last_error = s->last_error;
    }
    out.push_back(std::move(st));
  }
  return out;
}

std::string Exporter::RenderMetrics() const {
  const auto stats = Stats();
  std::string out;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    out += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
    out += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
    for (const auto& st : stats)
      out += std::string(name) + "{sink=\"" + st.name + "\",type=\"" + st.type + "\"} " +
             std::to_string(value(st)) + "\n";
  };
  family("leakguard_siem_events_spooled_total", "counter", "SIEM events accepted into a sink's spool.",
         [](const SinkStats& s) { return s.spooled; });
  family("leakguard_siem_events_delivered_total", "counter", "SIEM events delivered to a sink.",
         [](const SinkStats& s) { return s.delivered; });
  family("leakguard_siem_delivery_failures_total", "counter", "Failed SIEM delivery attempts (retried).",
         [](const SinkStats& s) { return s.failed_attempts; });
  family("leakguard_siem_events_dropped_total", "counter",
         "SIEM events refused because a spool was full or unwritable.",
         [](const SinkStats& s) { return s.dropped; });
  family("leakguard_siem_events_rejected_total", "counter", "SIEM events a receiver refused for good.",
         [](const SinkStats& s) { return s.rejected; });
  family("leakguard_siem_spool_events", "gauge", "SIEM events waiting in a sink's spool.",
         [](const SinkStats& s) { return s.queued_events; });
  family("leakguard_siem_spool_bytes", "gauge", "Bytes of SIEM events waiting in a sink's spool.",
         [](const SinkStats& s) { return s.queued_bytes; });
  family("leakguard_siem_sink_up", "gauge", "1 when a sink's last delivery attempt succeeded.",
         [](const SinkStats& s) { return s.up ? 1 : 0; });
  return out;
}

}  // namespace leakguard::incident::siem
