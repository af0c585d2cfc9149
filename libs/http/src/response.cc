// Response helpers: JSON bodies, Matrix error bodies and reason phrases.
#include "plexus/http/response.h"

#include "plexus/json/canonical.h"

namespace plexus::http {

Response Response::json(const json::Value& value, int status) {
  Response r;
  r.status = status;
  r.body = json::canonical(value);
  return r;
}

Response Response::json(const json::Object& object, int status) {
  Response r;
  r.status = status;
  r.body = json::canonical(object);
  return r;
}

Response Response::matrixError(const Error& error) {
  json::Object body{{"errcode", json::Value(error.errcode())}, {"error", json::Value(error.message)}};
  if (error.retryAfterMs) body.set("retry_after_ms", json::Value(*error.retryAfterMs));
  return json(body, error.httpStatus());
}

Response Response::matrixError(int status, std::string_view errcode, std::string_view message) {
  json::Object body{{"errcode", json::Value(errcode)}, {"error", json::Value(message)}};
  return json(body, status);
}

Response Response::text(std::string body, int status, std::string contentType) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.contentType = std::move(contentType);
  return r;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace plexus::http
