#include "framework/src/wire/tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "minimr/hex.h"

namespace minimr::wire {

namespace ssl = boost::asio::ssl;

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

[[noreturn]] void Fail(const std::string& what) {
  unsigned long code = ERR_get_error();
  char reason[256] = "";
  if (code) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  throw std::runtime_error(what + (code ? std::string(": ") + reason : ""));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

X509Ptr ReadCertificate(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) Fail("not a PEM certificate");
  return cert;
}

std::string Sha256Hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), md, &length) != 1) Fail("cannot hash a certificate");
  return Hex(std::string_view(reinterpret_cast<const char*>(md), length));
}

// Only TLS uses OpenSSL. Asked before anything else of OpenSSL runs, as it must be: leave the
// freeing of its tables to the process's end rather than an atexit handler (half a millisecond
// at the end of a run, measured).
void InitOpenSsl() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

void TlsOnly13(ssl::context& context) {
  SSL_CTX* ctx = context.native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) Fail("OpenSSL refuses TLS 1.3");
  // No session tickets: connections are not resumed, and tickets would only add bytes.
  SSL_CTX_set_num_tickets(ctx, 0);
}

}  // namespace

TlsIdentity MakeTlsIdentity() {
  InitOpenSsl();
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) Fail("cannot make a P-256 key");
  X509Ptr cert(X509_new());
  if (!cert) Fail("cannot make a certificate");
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) ||
      X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 366 * 24 * 3600) ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    Fail("cannot fill in a certificate");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("minimr cluster"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    Fail("cannot sign a certificate");
  }
  BioPtr cert_bio(BIO_new(BIO_s_mem())), key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    Fail("cannot write a certificate");
  }
  return {BioText(cert_bio.get()), BioText(key_bio.get())};
}

std::string CertificateSha256(const std::string& certificate_pem) {
  InitOpenSsl();
  return Sha256Hex(ReadCertificate(certificate_pem).get());
}

std::shared_ptr<ssl::context> MakeTlsServerContext(const TlsIdentity& identity) {
  InitOpenSsl();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  TlsOnly13(*context);
  boost::system::error_code ec;
  context->use_certificate(boost::asio::buffer(identity.certificate_pem), ssl::context::pem, ec);
  if (ec) throw std::runtime_error("the cluster's TLS certificate: " + ec.message());
  context->use_private_key(boost::asio::buffer(identity.private_key_pem), ssl::context::pem, ec);
  if (ec) throw std::runtime_error("the cluster's TLS private key: " + ec.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    Fail("the cluster's TLS private key does not belong to its certificate");
  }
  return context;
}

std::shared_ptr<ssl::context> MakeTlsClientContext(const std::string& sha256_hex) {
  InitOpenSsl();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  TlsOnly13(*context);
  context->set_verify_mode(ssl::verify_peer);
  // The pin decides, not a certificate authority: the peer's own certificate must be the one
  // the connection file names, whatever else it presents.
  context->set_verify_callback([sha256_hex](bool, ssl::verify_context& verify) {
    X509_STORE_CTX* store = verify.native_handle();
    if (X509_STORE_CTX_get_error_depth(store) > 0) return true;
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    bool pinned = false;
    try {
      pinned = cert && Sha256Hex(cert) == sha256_hex;
    } catch (const std::exception&) {
    }
    X509_STORE_CTX_set_error(store, pinned ? X509_V_OK : X509_V_ERR_CERT_REJECTED);
    return pinned;
  });
  return context;
}

std::string DescribeTlsFailure(const boost::system::error_code& ec, bool as_client) {
  std::string what = "TLS handshake failed: " + ec.message();
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      return what +
             " (the peer's certificate is not the one the connection file pins: is the "
             "connection file current?)";
    }
    if (as_client &&
        (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG)) {
      return what +
             " (the peer does not speak TLS: does the connection file belong to this "
             "cluster?)";
    }
  }
  return what;
}

}  // namespace minimr::wire
