// An HTTP response built by handlers: status, headers, body and content type, with helpers for
// JSON bodies and Matrix error bodies. The Server adds framing headers (Content-Length,
// Connection) and the CORS headers; handlers do not set those.
#pragma once

#include <string>
#include <string_view>

#include "plexus/core/error.h"
#include "plexus/http/fields.h"
#include "plexus/json/value.h"

namespace plexus::http {

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::string contentType = "application/json";

  // 200 (or `status`) with the compact JSON of `value`.
  static Response json(const json::Value& value, int status = 200);
  static Response json(const json::Object& object, int status = 200);
  // {"errcode","error"[,"retry_after_ms"]} with the HTTP status from the Error table.
  static Response matrixError(const Error& error);
  // A Matrix error with an explicit status, for cases the table does not cover (405 on a known
  // path with the wrong method is M_UNRECOGNIZED but not 404).
  static Response matrixError(int status, std::string_view errcode, std::string_view message);
  static Response text(std::string body, int status = 200, std::string contentType = "text/plain; charset=utf-8");
};

// Reason phrase for a status code ("OK", "Not Found"); "Unknown" for codes without one.
std::string_view reasonPhrase(int status);

}  // namespace plexus::http
