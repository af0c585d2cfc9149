// One-time libsodium initialisation.
#include "sodium_init.h"

#include <sodium.h>

#include <cstdlib>

namespace plexus::crypto::detail {

void ensureSodiumInitialised() {
  // A function-local static is initialised exactly once even with concurrent callers.
  static const bool initialised = [] {
    if (sodium_init() < 0) std::abort();
    return true;
  }();
  (void)initialised;
}

}  // namespace plexus::crypto::detail
