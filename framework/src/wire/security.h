// What a connection needs to be trusted: the cluster's key and, in a TLS cluster, the TLS
// contexts (tls.h). Copies share the contexts, which live as long as any copy.
#pragma once

#include <memory>

#include "framework/src/wire/handshake.h"

namespace boost::asio::ssl {
class context;
}

namespace minimr::wire {

struct Security {
  Security() = default;
  // A plain-TCP cluster's: the key alone.
  Security(const Key& cluster_key) : key(cluster_key) {}  // NOLINT(runtime/explicit)

  Key key{};
  // For connections this side opens: pins the cluster's certificate. Null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls_client;
  // For connections this side accepts: presents the certificate. Null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls_server;
};

}  // namespace minimr::wire
