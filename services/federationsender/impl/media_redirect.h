// Following the `Location` of a federation media answer (SPEC: server-server-api "Content
// Repository": the second part may redirect to where the media can be retrieved, e.g. a CDN):
// one plain GET, no Authorization, no further redirects, bounded size and time. Injectable so
// tests (and deployments with their own egress rules) can replace the HTTP client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "plexus/core/result.h"

namespace plexus::federationsender {

struct RedirectAnswer {
  int status = 0;
  std::string contentType;                        // empty when absent
  std::optional<std::string> contentDisposition;  // the raw header value
  std::string body;
};

// GET `url`. Errors: kInvalidParam for a URL the fetcher refuses, kTooLarge past `maxBytes`,
// kUnavailable for connection, TLS or timeout failures. Any HTTP status is an answer.
using MediaRedirectFetcher = std::function<Result<RedirectAnswer>(
    const std::string& url, std::int64_t timeoutMs, std::size_t maxBytes)>;

struct HttpRedirectFetcherOptions {
  // http:// URLs (the default allows https only).
  bool allowPlainHttp = false;
  // IP literals in loopback, private, link-local, shared or multicast ranges, and "localhost".
  // NOTSPEC: refused by default so a remote server cannot point us at our own network; host
  // names are not resolved before the check (a name resolving to a private address passes).
  bool allowPrivateAddresses = false;
  // Verify the certificate chain and name (system CA store).
  bool verifyTls = true;
};

// The default fetcher: plexus::http::Client, one connection per call.
MediaRedirectFetcher makeHttpRedirectFetcher(HttpRedirectFetcherOptions options = {});

// True for "localhost" and for IPv4/IPv6 literals in loopback, private (RFC 1918, ULA),
// link-local, CGNAT, unspecified, multicast or broadcast ranges (IPv4-mapped IPv6 included).
bool isPrivateHost(std::string_view host);

}  // namespace plexus::federationsender
