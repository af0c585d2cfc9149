// OverlayStreamPort: the little this library needs from a running overlay (DESIGN.md §5) —
// opening a stream to a node key and running work on the thread that owns the streams. The
// node implements it over overlay::OverlayNode (openStream, post, onNodeThread); tests implement
// it over SessionEndpoints on a loop of their own. Keeping it this small keeps the federation
// code independent of how the overlay runtime is built.
#pragma once

#include <functional>
#include <memory>

#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/stream.h"

namespace plexus::federation_overlay {

class OverlayStreamPort {
 public:
  using StreamDone = std::function<void(std::shared_ptr<overlay::Stream>)>;

  virtual ~OverlayStreamPort() = default;

  // Opens a stream to the node with key `destination` (a session handshake starts if needed;
  // bytes written meanwhile are queued). `done` runs once on the overlay thread with the stream,
  // or with nullptr when none can be opened (our own key, a key that is not a curve point, the
  // overlay stopped). An unreachable node shows later as a reset of the stream. Any thread.
  virtual void openStream(const crypto::PublicKey& destination, StreamDone done) = 0;

  // Runs `task` on the overlay thread, after the current call returns. Any thread. Tasks may be
  // dropped without running once the overlay has stopped; callers must not depend on them for
  // more than cleanup (both classes here bound their waits with their own deadlines).
  virtual void post(std::function<void()> task) = 0;

  // True when called on the overlay thread (where blocking would deadlock the overlay).
  virtual bool onOverlayThread() const = 0;
};

}  // namespace plexus::federation_overlay
