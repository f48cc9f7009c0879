#include "incident/siem/event.h"

#include <chrono>
#include <utility>

namespace leakguard::incident::siem {

std::string_view EventTypeName(EventType t) {
  return t == EventType::kIncidentCreated ? "incident.created" : "incident.updated";
}

std::optional<EventType> ParseEventType(std::string_view name) {
  if (name == "incident.created") return EventType::kIncidentCreated;
  if (name == "incident.updated") return EventType::kIncidentUpdated;
  return std::nullopt;
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NewEventId(std::int64_t time_ms) {
  std::string id = NewIncidentId(time_ms);  // "INC-" + 26 characters
  return "EVT-" + id.substr(4);
}

Event IncidentCreated(Incident incident) {
  Event e;
  e.type = EventType::kIncidentCreated;
  e.time_ms = incident.time_ms != 0 ? incident.time_ms : NowMs();
  e.id = NewEventId(e.time_ms);
  e.incident = std::move(incident);
  return e;
}

Event IncidentUpdated(Incident incident, std::vector<IncidentChange> changes) {
  Event e;
  e.type = EventType::kIncidentUpdated;
  e.time_ms = 0;
  for (const auto& c : changes) e.time_ms = std::max(e.time_ms, c.time_ms);
  if (e.time_ms == 0) e.time_ms = NowMs();
  e.id = NewEventId(e.time_ms);
  e.incident = std::move(incident);
  e.changes = std::move(changes);
  return e;
}

}  // namespace leakguard::incident::siem
