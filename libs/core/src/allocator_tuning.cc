// tuneAllocatorForServer: mallopt on glibc.
#include "plexus/core/allocator_tuning.h"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace plexus::core {

void tuneAllocatorForServer() {
#if defined(__GLIBC__)
  constexpr int kTrimThresholdBytes = 8 << 20;
  mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
#endif
}

}  // namespace plexus::core
