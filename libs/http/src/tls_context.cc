// OpenSSL setup through Asio's ssl::context: TLS 1.2 or newer, peer verification against a CA
// file or the system store, host name and IP address checks, readable handshake errors.
#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

namespace plexus::http::detail {
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

// The OpenSSL errors queued on this thread, oldest first; clears the queue.
std::string drainErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Status restrictVersions(ssl::context& ctx) {
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1) {
    return fail(ErrorCode::kInternal, "cannot require TLS 1.2: " + drainErrors());
  }
  return {};
}

// Key of the client context cache: a changed CA file gets a fresh context.
using CacheKey = std::tuple<std::string, bool, std::filesystem::file_time_type, std::uintmax_t>;

Result<std::shared_ptr<ssl::context>> makeClientContext(const TlsClientOptions& options) {
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("cannot create a TLS context: ") + e.what());
  }
  PLEXUS_TRY_VOID(restrictVersions(*ctx));
  error_code ec;
  if (!options.verifyPeer) {
    ctx->set_verify_mode(ssl::verify_none, ec);
    return ctx;
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (!options.caFile.empty()) {
    ctx->load_verify_file(options.caFile, ec);
    if (ec) {
      drainErrors();
      return fail(ErrorCode::kInvalidParam,
                  "cannot load CA file " + options.caFile + ": " + ec.message());
    }
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) {
      drainErrors();
      return fail(ErrorCode::kInvalidParam, "cannot load the system CA store: " + ec.message());
    }
  }
  return ctx;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> clientTlsContext(const TlsClientOptions& options) {
  static std::mutex mu;
  static std::map<CacheKey, std::shared_ptr<ssl::context>> cache;
  std::error_code fsError;
  std::filesystem::file_time_type mtime{};
  std::uintmax_t size = 0;
  if (!options.caFile.empty()) {
    mtime = std::filesystem::last_write_time(options.caFile, fsError);
    if (!fsError) size = std::filesystem::file_size(options.caFile, fsError);
    if (fsError) {
      return fail(ErrorCode::kInvalidParam,
                  "cannot read CA file " + options.caFile + ": " + fsError.message());
    }
  }
  CacheKey key{options.caFile, options.verifyPeer, mtime, size};
  std::lock_guard lock(mu);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  PLEXUS_TRY(auto ctx, makeClientContext(options));
  // Few distinct option sets exist in a process; a rewritten CA file leaves its old entry.
  if (cache.size() >= 64) cache.clear();
  cache.emplace(std::move(key), ctx);
  return ctx;
}

Result<std::shared_ptr<ssl::context>> serverTlsContext(const ServerTlsOptions& options) {
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("cannot create a TLS context: ") + e.what());
  }
  PLEXUS_TRY_VOID(restrictVersions(*ctx));
  error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use, ec);
  ctx->use_certificate_chain_file(options.certificateChainFile, ec);
  if (ec) {
    drainErrors();
    return fail(ErrorCode::kInvalidParam, "cannot load TLS certificate chain " +
                                              options.certificateChainFile + ": " + ec.message());
  }
  ctx->use_private_key_file(options.privateKeyFile, ssl::context::pem, ec);
  if (ec) {
    drainErrors();
    return fail(ErrorCode::kInvalidParam,
                "cannot load TLS private key " + options.privateKeyFile + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return fail(ErrorCode::kInvalidParam,
                "TLS private key does not match the certificate: " + drainErrors());
  }
  return ctx;
}

Status prepareClientSsl(SSL* ssl, const std::string& host, bool verify) {
  error_code ec;
  boost::asio::ip::make_address(host, ec);
  const bool ipLiteral = !ec;
  // SPEC: RFC 6066 section 3 — literal IP addresses are not sent as SNI host names.
  if (!ipLiteral && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return fail(ErrorCode::kInvalidParam, "bad TLS server name " + host + ": " + drainErrors());
  }
  if (!verify) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (ipLiteral) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return fail(ErrorCode::kInvalidParam, "bad IP address " + host + ": " + drainErrors());
    }
    return {};
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl, host.c_str()) != 1) {
    return fail(ErrorCode::kInvalidParam, "bad TLS host name " + host + ": " + drainErrors());
  }
  return {};
}

std::string handshakeFailure(SSL* ssl, const error_code& ec) {
  drainErrors();
  const long verdict = SSL_get_verify_result(ssl);
  if (verdict != X509_V_OK) {
    return std::string("certificate verification failed: ") +
           X509_verify_cert_error_string(verdict);
  }
  return ec.message();
}

}  // namespace plexus::http::detail
