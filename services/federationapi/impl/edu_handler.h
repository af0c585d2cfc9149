// The EDUs of a /send transaction (SPEC: server-server-api "EDUs"): m.typing, m.receipt,
// m.presence, m.direct_to_device, m.device_list_update and m.signing_key_update. Each EDU is
// accepted only for users of the sending server; problems are logged and the EDU dropped,
// never failing the transaction.
#pragma once

#include <string_view>

#include "federationapi/impl/route_context.h"

namespace plexus::federationapi {

// What happened to one EDU (for tests and metrics). kUnavailable: a service it needs did not
// answer; the EDU may be tried again (every EDU's effect is idempotent).
enum class EduOutcome { kAccepted, kIgnored, kRejected, kUnavailable };

EduOutcome handleEdu(const RouteState& state, const CallContext& ctx, std::string_view origin,
                     const json::Object& edu);

}  // namespace plexus::federationapi
