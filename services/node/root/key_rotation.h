// Rotating the server's signing key (`plexus rotate-signing-key`, with the node stopped): the
// federation key store retires the current key (it stays published in old_verify_keys with its
// expired_ts, so events signed before stay verifiable) and makes a new one current; the node's key
// file is then rewritten with the new key. The key store is the source of truth after the first
// start: a node whose key file still holds the old key (a crash between the two steps) signs with
// the store's current key all the same.
#pragma once

#include <string>

#include "plexus/config/config.h"
#include "plexus/core/result.h"

namespace plexus::node {

struct RotatedKey {
  std::string oldKeyId;
  std::string newKeyId;
  std::string keyFile;  // rewritten with the new key
};

// Errors: storage errors (nothing changed), kInternal (the key file could not be rewritten: the
// store has the new key and the node will use it; the file is stale), kInvalidParam for a
// key-named node (root/node_identity.h), whose name is its key.
Result<RotatedKey> rotateSigningKey(const config::Config& config);

}  // namespace plexus::node
