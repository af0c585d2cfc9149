// RequestParser on Beast's incremental parser. Beast parses from a contiguous buffer we own, so
// partial headers stay buffered here until they complete; each request gets a fresh Beast parser
// because Beast parsers handle one message each.
#include "plexus/http/request_parser.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace plexus::http {
namespace beasthttp = boost::beast::http;

struct RequestParser::Impl {
  ParserLimits limits;
  BodyLimitFor bodyLimitFor;
  std::vector<char> buf;
  std::size_t begin = 0;  // first unconsumed byte
  std::size_t end = 0;    // one past the last received byte
  std::optional<beasthttp::request_parser<beasthttp::string_body>> parser;
  std::optional<Error> error;
  bool continueChecked = false;
  bool continuePending = false;
  bool limitChosen = false;

  void resetParser() {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.maxHeaderBytes, std::numeric_limits<std::uint32_t>::max())));
    parser->body_limit(static_cast<std::uint64_t>(limits.maxBodyBytes));
    parser->eager(true);
    continueChecked = false;
    continuePending = false;
    limitChosen = !bodyLimitFor;
  }

  // Beast checks a Content-Length against the limit as soon as the header is parsed, and
  // parses a header only once all of it is buffered: so the limit is set from the request
  // line, found in the buffer before the bytes go to Beast.
  void chooseBodyLimit() {
    std::string_view rest(buf.data() + begin, end - begin);
    while (!rest.empty() && (rest.front() == '\r' || rest.front() == '\n')) rest.remove_prefix(1);
    const std::size_t eol = rest.find('\n');
    if (eol == std::string_view::npos) return;  // not all here yet
    limitChosen = true;
    const std::string_view line = rest.substr(0, eol);
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return;  // malformed: Beast reports it
    Request head;
    head.method = std::string(line.substr(0, sp1));
    head.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    if (!parseTarget(head)) return;  // next() reports it once the request is parsed
    parser->body_limit(static_cast<std::uint64_t>(bodyLimitFor(head)));
  }

  void compact() {
    if (begin == end) {
      begin = end = 0;
      // Give back memory a large request left behind so idle connections stay small.
      if (buf.capacity() > 64 * 1024) std::vector<char>().swap(buf);
    } else if (begin > buf.size() / 2) {
      std::copy(buf.begin() + static_cast<std::ptrdiff_t>(begin), buf.begin() + static_cast<std::ptrdiff_t>(end), buf.begin());
      end -= begin;
      begin = 0;
    }
  }

  void setError(const boost::system::error_code& ec) {
    if (ec == beasthttp::error::header_limit) {
      error = makeError(ErrorCode::kTooLarge, "Request headers too large");
    } else if (ec == beasthttp::error::body_limit) {
      error = makeError(ErrorCode::kTooLarge, "Request body too large");
    } else {
      error = makeError(ErrorCode::kInvalidParam, "Malformed HTTP request: " + ec.message());
    }
  }

  Request toRequest(beasthttp::request<beasthttp::string_body>&& msg) {
    Request r;
    r.method = std::string(msg.method_string());
    r.target = std::string(msg.target());
    r.version = msg.version() == 10 ? 10 : 11;
    r.keepAlive = msg.keep_alive();
    for (const auto& field : msg) {
      r.headers.add(field.name_string(), field.value());
    }
    r.body = std::move(msg.body());
    return r;
  }
};

RequestParser::RequestParser(ParserLimits limits, BodyLimitFor bodyLimitFor)
    : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->bodyLimitFor = std::move(bodyLimitFor);
  impl_->resetParser();
}

RequestParser::~RequestParser() = default;

void RequestParser::feed(std::string_view bytes) {
  auto span = prepare(bytes.size());
  std::copy(bytes.begin(), bytes.end(), span.begin());
  commit(bytes.size());
}

std::span<char> RequestParser::prepare(std::size_t n) {
  Impl& m = *impl_;
  m.compact();
  if (m.buf.size() < m.end + n) m.buf.resize(m.end + n);
  return {m.buf.data() + m.end, n};
}

void RequestParser::commit(std::size_t n) { impl_->end += n; }

Result<std::optional<Request>> RequestParser::next() {
  Impl& m = *impl_;
  while (!m.error) {
    if (m.parser->is_done()) {
      Request request = m.toRequest(m.parser->release());
      m.resetParser();
      Status target = parseTarget(request);
      if (!target) {
        m.error = target.error();
        break;
      }
      return std::optional<Request>(std::move(request));
    }
    if (m.begin == m.end) return std::optional<Request>();
    if (!m.limitChosen) m.chooseBodyLimit();
    boost::system::error_code ec;
    std::size_t used = m.parser->put(boost::asio::const_buffer(m.buf.data() + m.begin, m.end - m.begin), ec);
    m.begin += used;
    if (ec && ec != beasthttp::error::need_more) {
      m.setError(ec);
      break;
    }
    if (!m.continueChecked && m.parser->is_header_done()) {
      m.continueChecked = true;
      auto expect = m.parser->get()[beasthttp::field::expect];
      m.continuePending = !m.parser->is_done() && equalsIgnoreCase(expect, "100-continue");
    }
    if (used == 0 && !m.parser->is_done()) return std::optional<Request>();
  }
  return *m.error;
}

bool RequestParser::headerDone() const {
  return !impl_->error && impl_->parser->is_header_done() && !impl_->parser->is_done();
}

bool RequestParser::takeContinueRequest() {
  bool pending = impl_->continuePending;
  impl_->continuePending = false;
  return pending;
}

std::size_t RequestParser::bufferedBytes() const { return impl_->end - impl_->begin; }

bool RequestParser::idle() const {
  return impl_->begin == impl_->end && !impl_->parser->got_some();
}

}  // namespace plexus::http
