// Beast's response_parser fed incrementally: bytes it cannot use yet (a header still arriving)
// wait in `pending` until more come, bounded by the header limit.
#include "response_reader.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <limits>
#include <optional>
#include <string>

namespace plexus::federation_overlay::detail {
namespace beasthttp = boost::beast::http;
using boost::system::error_code;
using Parser = beasthttp::response_parser<beasthttp::string_body>;

struct ResponseReader::Impl {
  Impl(std::size_t header, std::size_t body, bool head)
      : maxHeaderBytes(header), maxBodyBytes(body), headRequest(head) {
    reset();
  }

  std::size_t maxHeaderBytes;
  std::size_t maxBodyBytes;
  bool headRequest;
  std::optional<Parser> parser;
  std::string pending;
  bool complete = false;
  std::optional<Error> error;

  void reset() {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(maxHeaderBytes, std::numeric_limits<std::uint32_t>::max())));
    parser->body_limit(static_cast<std::uint64_t>(maxBodyBytes));
    parser->eager(true);
    if (headRequest) parser->skip(true);
  }

  Error toError(const error_code& ec) {
    if (ec == beasthttp::error::body_limit || ec == beasthttp::error::header_limit)
      return makeError(ErrorCode::kTooLarge, "response too large");
    return makeError(ErrorCode::kInvalidParam, "malformed response: " + ec.message());
  }

  // A final response is done; an interim one (100 Continue) makes room for the next.
  bool takeDone() {
    const unsigned status = parser->get().result_int();
    if (status >= 100 && status < 200) {
      reset();
      return false;
    }
    complete = true;
    return true;
  }

  Result<bool> parse() {
    // Each round consumes bytes or stops, so the loop ends within pending.size() rounds.
    while (!pending.empty()) {
      error_code ec;
      const std::size_t used = parser->put(boost::asio::buffer(pending.data(), pending.size()), ec);
      pending.erase(0, used);
      if (ec == beasthttp::error::need_more) break;
      if (ec) {
        error = toError(ec);
        return Unexpected{*error};
      }
      if (parser->is_done()) {
        if (takeDone()) return true;
        continue;
      }
      if (used == 0) break;
    }
    return false;
  }
};

ResponseReader::ResponseReader(std::size_t maxHeaderBytes, std::size_t maxBodyBytes,
                               bool headRequest)
    : impl_(std::make_unique<Impl>(maxHeaderBytes, maxBodyBytes, headRequest)) {}

ResponseReader::~ResponseReader() = default;
ResponseReader::ResponseReader(ResponseReader&&) noexcept = default;
ResponseReader& ResponseReader::operator=(ResponseReader&&) noexcept = default;

Result<bool> ResponseReader::feed(std::string_view bytes) {
  if (impl_->error) return Unexpected{*impl_->error};
  if (impl_->complete) return true;
  impl_->pending.append(bytes);
  return impl_->parse();
}

Result<bool> ResponseReader::finish() {
  if (impl_->error) return Unexpected{*impl_->error};
  if (impl_->complete) return true;
  if (!impl_->pending.empty() || !impl_->parser->got_some()) return false;
  error_code ec;
  impl_->parser->put_eof(ec);
  if (ec) return false;  // the stream ended inside a framed message
  return impl_->parser->is_done() && impl_->takeDone();
}

federation::OutboundResponse ResponseReader::take() {
  auto message = impl_->parser->release();
  federation::OutboundResponse out;
  out.status = static_cast<int>(message.result_int());
  for (const auto& field : message)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(message.body());
  return out;
}

}  // namespace plexus::federation_overlay::detail
