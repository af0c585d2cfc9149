// Small blocking HTTP/1.1 client for tests and outbound calls (push gateways). Plain TCP only;
// one connection reused while the server keeps it alive. Not thread-safe: one caller at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

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

struct ClientOptions {
  std::chrono::milliseconds connectTimeout{5'000};
  // For one whole exchange: write the request and read the response.
  std::chrono::milliseconds requestTimeout{30'000};
  std::size_t maxResponseBytes = 16 * 1024 * 1024;
};

class Client {
 public:
  Client(std::string host, std::uint16_t port, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request and waits for its response. Errors: kUnavailable when the server cannot
  // be reached, the connection breaks or a timeout passes; kInvalidParam for a malformed
  // response. Host and Content-Length are added when absent.
  Result<ClientResponse> request(const ClientRequest& request);
  Result<ClientResponse> get(std::string target);
  Result<ClientResponse> send(std::string method, std::string target, std::string body,
                              std::string contentType = "application/json");

  // Closes the kept-alive connection, if any.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::http
