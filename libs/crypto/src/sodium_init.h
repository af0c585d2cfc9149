// Initialises libsodium once per process before any key or signature operation.
#pragma once

namespace plexus::crypto::detail {

// Thread-safe and idempotent; aborts when libsodium cannot initialise (no usable randomness),
// since no key could be generated safely after that.
void ensureSodiumInitialised();

}  // namespace plexus::crypto::detail
