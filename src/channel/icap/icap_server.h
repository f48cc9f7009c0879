// channel/icap/icap_server.h — the ICAP listener of `leakguard serve` (127.0.0.1:1344 by default):
// the shared stream server (channel/stream_server.h) with one icap::Transaction per connection and
// "503 Service Overloaded" past Max-Connections.
#pragma once

#include "channel/icap/icap_response.h"
#include "channel/icap/icap_service.h"
#include "channel/stream_server.h"

namespace leakguard::channel::icap {

using IcapServerOptions = StreamServerOptions;

class IcapServer : public StreamServer {
 public:
  IcapServer(IcapServerOptions options, IcapService& service)
      : StreamServer(
            std::move(options),
            [&service](std::string peer) { return service.NewTransaction(std::move(peer)); },
            [&service] { return ErrorResponse(503, service.istag()); }) {}
};

}  // namespace leakguard::channel::icap
