// Small blocking HTTP/1.1 client for tests and outbound calls (push gateways, later federation).
// Plain TCP or TLS (https): with TLS the certificate chain and the host name are verified by
// default, against the system CA store or a configured CA file. One connection reused while the
// server keeps it alive. Not thread-safe: one caller at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/http/fields.h"

namespace plexus::http {

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";  // origin-form, already percent-encoded
  Headers headers;
  std::string body;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

enum class Scheme { kHttp, kHttps };

// An absolute http:// or https:// URL split for the Client.
struct Url {
  Scheme scheme = Scheme::kHttp;
  std::string host;  // a name or an IP literal (IPv6 without brackets)
  std::uint16_t port = 80;
  std::string target = "/";  // path and query; "/" when the URL has none
};
// Parses scheme://host[:port][/path][?query]; the port defaults to 80 or 443. Errors:
// kInvalidParam for another scheme, user info, a fragment, a bad port or an empty host.
Result<Url> parseUrl(std::string_view url);

struct TlsClientOptions {
  // PEM file of trusted CA certificates; empty: the system store (OpenSSL's default paths,
  // /etc/ssl/certs on Debian).
  std::string caFile;
  // false accepts any certificate: self-signed, expired, for another name. Test networks only.
  bool verifyPeer = true;
};

struct ClientOptions {
  // For connecting, including the TLS handshake.
  std::chrono::milliseconds connectTimeout{5'000};
  // For one whole exchange: write the request and read the response.
  std::chrono::milliseconds requestTimeout{30'000};
  std::size_t maxResponseBytes = 16 * 1024 * 1024;
  // Used for https only.
  TlsClientOptions tls;
  // Connect somewhere else than DNS says: "host:port" or "host" → "address" or "address:port"
  // ("[v6]:port" for IPv6). The more specific key wins. The Host header, SNI and certificate
  // name check still use the original host. For tests and static peer maps.
  std::map<std::string, std::string> resolveOverrides;
};

class Client {
 public:
  // Plain HTTP to host:port.
  Client(std::string host, std::uint16_t port, ClientOptions options = {});
  Client(Scheme scheme, std::string host, std::uint16_t port, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request and waits for its response. Errors: kUnavailable when the server cannot
  // be reached, the TLS handshake fails (the message says why, e.g. "certificate has expired"),
  // the connection breaks or a timeout passes; kTooLarge past maxResponseBytes; kInvalidParam
  // for a malformed response or a bad TLS option (unreadable CA file). Host and Content-Length
  // are added when absent.
  Result<ClientResponse> request(const ClientRequest& request);
  Result<ClientResponse> get(std::string target);
  Result<ClientResponse> send(std::string method, std::string target, std::string body,
                              std::string contentType = "application/json");

  // Closes the kept-alive connection, if any.
  void close();

  // Replaces connectTimeout, requestTimeout and maxResponseBytes for the following requests: a
  // pooled client serves callers with different deadlines and limits.
  void setLimits(std::chrono::milliseconds connectTimeout, std::chrono::milliseconds requestTimeout,
                 std::size_t maxResponseBytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::http
