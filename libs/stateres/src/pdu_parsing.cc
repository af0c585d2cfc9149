// parsePduArray and the receipt checks of the replay input: the array is split into element
// texts once, then each thread parses (and, unless event IDs are trusted, verifies) a contiguous
// share of the elements. Verification fields are dropped right after so that the parsed room
// stays small.
#include <algorithm>
#include <atomic>
#include <thread>

#include "json_array_splitter.h"
#include "parallel.h"
#include "plexus/events/event_signing.h"
#include "plexus/events/redaction.h"
#include "plexus/stateres/replay.h"

namespace plexus::stateres {

unsigned detail::threadCount(unsigned requested, std::size_t items) {
  unsigned n = requested ? requested : std::max(1u, std::thread::hardware_concurrency());
  // Below a few hundred items a thread costs more than it saves.
  return static_cast<unsigned>(std::clamp<std::size_t>(items / 256, 1, n));
}

void detail::parallelFor(std::size_t items, unsigned threads,
                         const std::function<void(std::size_t begin, std::size_t end)>& work) {
  if (threads <= 1 || items == 0) {
    work(0, items);
    return;
  }
  std::vector<std::thread> pool;
  std::size_t per = (items + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t) {
    std::size_t begin = std::min(items, per * t), end = std::min(items, per * (t + 1));
    pool.emplace_back([&work, begin, end] { work(begin, end); });
  }
  work(0, std::min(items, per));
  for (std::thread& th : pool) th.join();
}

namespace {

// Receipt checks of one event; empty on success, else the reason.
std::string verifyAndCompact(events::Pdu& pdu, const events::RoomVersion& version, const ReplayOptions& options) {
  if (!options.trustEventIds) {
    if (!options.keys) return "no keys to verify signatures";
    auto integrity = events::checkEventIntegrity(pdu, options.keys);
    if (!integrity.ok()) return integrity.error().message;
    // SPEC (server-server "Checks performed on receipt of a PDU"): a bad content hash means the
    // event is used in its redacted form.
    if (integrity->redactionNeeded) {
      auto redacted = events::Pdu::fromJson(events::redact(pdu.json(), version), version);
      if (!redacted.ok()) return redacted.error().message;
      pdu = std::move(redacted).value();
    }
  }
  pdu.dropVerificationFields();
  return {};
}

}  // namespace

Result<LoadedPdus> loadPdus(std::string_view text, const events::RoomVersion& version,
                            const ReplayOptions& options) {
  PLEXUS_TRY(std::vector<std::string_view> elements, detail::splitJsonArray(text));
  events::PduParseOptions parseOptions;
  parseOptions.trustEventIdField = options.trustEventIds;
  std::vector<std::optional<events::Pdu>> parsed(elements.size());
  std::vector<std::optional<Error>> errors(elements.size());
  LoadedPdus out;
  out.failures.resize(elements.size());
  std::atomic<bool> failed{false};
  detail::parallelFor(elements.size(), detail::threadCount(options.threads, elements.size()),
                      [&](std::size_t begin, std::size_t end) {
                        for (std::size_t i = begin; i < end && !failed.load(std::memory_order_relaxed); ++i) {
                          // The canonical form of a strict-JSON (v6+) event is never longer than
                          // its text (only whitespace and escapes can differ, and they shrink),
                          // so the size limit needs the canonical bytes only for long texts.
                          events::PduParseOptions opts = parseOptions;
                          opts.enforceSizeLimit = !version.strictCanonicalJson || elements[i].size() > events::kMaxPduBytes;
                          auto pdu = events::Pdu::parse(elements[i], version, opts);
                          if (!pdu.ok()) {
                            errors[i] = std::move(pdu).takeError();
                            failed = true;
                            continue;
                          }
                          parsed[i].emplace(std::move(pdu).value());
                          out.failures[i] = verifyAndCompact(*parsed[i], version, options);
                        }
                      });
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i]) {
      return fail(errors[i]->code, "PDU #" + std::to_string(i) + ": " + errors[i]->message);
    }
  }
  out.pdus.reserve(parsed.size());
  for (auto& p : parsed) out.pdus.push_back(std::move(*p));
  return out;
}

}  // namespace plexus::stateres
