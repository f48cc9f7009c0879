// leakguard/transfer.h — what a channel hands to the inspection core: one Transfer per request.
//
// Owns: Channel, Identity, Destination, Transfer, Label and FindingsSummary, plain value types.
// A channel adapter (ICAP, milter, discover, endpoint, REST API, CLI) fills a Transfer with who sends,
// where to, by which channel and what the content is called; the content itself is streamed through
// extraction and the engine separately. The policy layer decides on a Transfer plus the
// FindingsSummary of its content (never the raw findings), so a stored transfer can be re-decided
// later (`leakguard policy replay`) without its content.
//
// Threads: value types, no shared state; safe everywhere.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/finding.h"

namespace leakguard {

// Where data leaves. Names ("web", "mail", "endpoint", "discover", "api") are used in policies,
// incidents and exports: keep them stable.
enum class Channel : std::uint8_t { kWeb, kMail, kEndpoint, kDiscover, kApi };

std::string_view ChannelName(Channel c);
std::optional<Channel> ParseChannel(std::string_view name);  // case-insensitive

// Sensitivity label, ordered: public < internal < confidential < restricted.
enum class Label : std::uint8_t { kPublic = 0, kInternal = 1, kConfidential = 2, kRestricted = 3 };

std::string_view LabelName(Label l);                     // "public", "internal", "confidential", "restricted"
std::optional<Label> ParseLabel(std::string_view name);  // case-insensitive

// Who sends. Channels fill what they know; the policy layer adds groups from the directory file.
struct Identity {
  std::string user;                 // login or mail address ("alice", "alice@corp.example")
  std::vector<std::string> groups;  // directory groups
  std::string client_ip;            // the sending host's address, when known
  std::string host;                 // the sending host's name (endpoint), when known
};

// Where it goes. A transfer has one destination per recipient (mail) or one (web upload, USB copy).
struct Destination {
  std::string address;  // mail recipient "bob@gmail.com"; empty otherwise
  std::string url;      // web: the full request URL; empty otherwise
  std::string host;     // domain name: the URL's host or the part after '@'; lower case
  std::string ip;       // resolved or connected address, when known
  std::string country;  // ISO 3166-1 alpha-2 ("ID", "SG"), filled from the GeoIP database; "" unknown
  std::string device;   // endpoint: "usb:<vendor> <model> <serial>", "printer:<name>"; empty otherwise
};

// A destination from its usual written form: "https://host/path" (url + host), "bob@Example.com"
// (address + host "example.com"), "usb:..." / "printer:..." (device), an IPv4/IPv6 address (ip), or
// a host name (host, lower case).
Destination DestinationFromString(std::string_view text);

// One request to move data: a web upload, a mail, a file copy, an API call.
struct Transfer {
  std::string id;            // unique, time-sortable; set by the channel (or the recorder) when empty
  std::int64_t time_ms = 0;  // Unix time in milliseconds when the transfer was seen
  Channel channel = Channel::kApi;
  Identity identity;
  std::string source;  // where the content came from: a file path, "smtp:<client>", ...
  std::vector<Destination> destinations;
  std::string direction = "out";  // "out" (upload, outgoing mail, copy to media) or "in" (download)
  std::string name;               // the content's name: file name, mail subject, upload field
  std::string content_type;       // declared or sniffed type of the top-level content
  std::uint64_t bytes = 0;        // size of the content as received
  // Channel-specific facts worth keeping (HTTP method, mail message-id, Squid's X-Client-Username...).
  std::map<std::string, std::string> attributes;
};

// What the content of a transfer held, summarised per info type: the input to the policy engine and
// what an incident stores. Masked samples only: never a full value.
struct TypeSummary {
  std::string type;             // info type id
  std::uint32_t count_low = 0;  // findings of this type per confidence
  std::uint32_t count_medium = 0;
  std::uint32_t count_high = 0;
  std::vector<std::string> samples;  // up to kMaxSamples masked values, first seen first

  static constexpr std::size_t kMaxSamples = 3;
  // Findings at or above `min`.
  std::uint32_t CountAtLeast(Confidence min) const;
};

struct FindingsSummary {
  std::vector<TypeSummary> types;  // sorted by type id
  Label label = Label::kPublic;    // classification of the content (src/classify)
  std::vector<std::string>
      label_reasons;  // why: "CREDIT_CARD_NUMBER x3 >= restricted", "marking CONFIDENTIAL"
  std::vector<std::string>
      markings;                   // labels the document carries: "CONFIDENTIAL", "msip:Highly Confidential"
  bool complete = true;           // false when inspection did not finish (limit, timeout, error)
  std::string incomplete_reason;  // why not, when !complete

  // Adds one finding (confidence counts and a masked sample).
  void Add(const Finding& f);
  const TypeSummary* Find(std::string_view type) const;
  std::uint64_t Total(Confidence min = Confidence::kLow) const;
};

}  // namespace leakguard
