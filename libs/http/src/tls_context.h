// OpenSSL contexts and per-connection checks for the TLS client and server. Internal to
// plexus_http, like every Asio header.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "plexus/core/result.h"
#include "plexus/http/client.h"
#include "plexus/http/server.h"

namespace plexus::http::detail {

// A client context for these options, shared by the clients that use the same ones (reloaded
// when the CA file changes). Errors: kInvalidParam when the CA file or store cannot be loaded.
Result<std::shared_ptr<boost::asio::ssl::context>> clientTlsContext(
    const TlsClientOptions& options);

// A server context with the certificate chain and key. Errors: kInvalidParam when a file cannot
// be read or the key does not match the certificate.
Result<std::shared_ptr<boost::asio::ssl::context>> serverTlsContext(
    const ServerTlsOptions& options);

// Before a client handshake: SNI for a host name (not for IP literals), and, when verifying,
// the name or address the certificate must be for. Errors: kInvalidParam.
Status prepareClientSsl(SSL* ssl, const std::string& host, bool verify);

// Why a handshake failed, in words: the certificate check's verdict when it failed, else the
// TLS error.
std::string handshakeFailure(SSL* ssl, const boost::system::error_code& ec);

}  // namespace plexus::http::detail
