// TLS, for a cluster whose network must not read its data: the master makes a self-signed
// certificate when it starts, keeps it (with its private key) in a file beside the connection
// file, and the connection file pins it by its SHA-256, so that no certificate authority is
// needed. TLS 1.3 only. The minimr handshake and frame MACs still run inside it.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl.hpp>
#include "framework/src/wire/asio.h"

namespace minimr::wire {

struct TlsIdentity {
  std::string certificate_pem;
  std::string private_key_pem;
};

// A new P-256 key and a self-signed certificate for it ("minimr cluster", valid for 10 years).
// Throws std::runtime_error.
TlsIdentity MakeTlsIdentity();
// The SHA-256 of the certificate's DER bytes, as 64 lowercase hexadecimal digits. Throws
// std::runtime_error for bytes that are not a PEM certificate.
std::string CertificateSha256(const std::string& certificate_pem);

// A context that presents `identity`. Throws std::runtime_error if OpenSSL refuses it.
std::shared_ptr<boost::asio::ssl::context> MakeTlsServerContext(const TlsIdentity& identity);
// A context that accepts the one certificate whose SHA-256 is `sha256_hex`, and no other.
std::shared_ptr<boost::asio::ssl::context> MakeTlsClientContext(const std::string& sha256_hex);

// Words for a failed TLS handshake, with what the user can do about it.
std::string DescribeTlsFailure(const boost::system::error_code& ec, bool as_client);

}  // namespace minimr::wire
