// incident/siem/event.h — what the SIEM exporter publishes: one event per incident change.
//
// Owns: EventType and Event, plain value types, and the two ways to make one.
// An Event carries the whole Incident (never a full sensitive value: the model holds masked samples
// only). Delivery is at least once, so a receiver may see an event twice: Event::id is unique per
// event and stays the same across retries and restarts, so receivers can drop duplicates on it.
//
// Threads: value types, no shared state; safe everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "incident/incident.h"

namespace leakguard::incident::siem {

// Names ("incident.created", "incident.updated") are part of every export format: keep them stable.
enum class EventType : std::uint8_t { kIncidentCreated, kIncidentUpdated };

std::string_view EventTypeName(EventType t);
std::optional<EventType> ParseEventType(std::string_view name);

struct Event {
  EventType type = EventType::kIncidentCreated;
  std::string id;                       // "EVT-" + 26 Crockford base32 characters (time-sortable, unique)
  std::int64_t time_ms = 0;             // created: the transfer's time; updated: the time of the change
  Incident incident;                    // the incident as it is after the event
  std::vector<IncidentChange> changes;  // updated: what changed (status, assignee, severity, note...)
};

// A new incident. The event time is the incident's time (or now when that is 0).
Event IncidentCreated(Incident incident);

// A change of an existing incident (status, assignee, note...), `incident` as it is afterwards. The
// event time is the latest change's time (or now when there is none).
Event IncidentUpdated(Incident incident, std::vector<IncidentChange> changes);

// A new event id, "EVT-" + the same 26-character scheme as incident ids.
std::string NewEventId(std::int64_t time_ms);

// Unix time in milliseconds, now.
std::int64_t NowMs();

}  // namespace leakguard::incident::siem
