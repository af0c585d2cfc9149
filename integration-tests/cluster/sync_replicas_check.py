#!/usr/bin/env python3
"""Sync-api replicas share one store: a user whose /sync is served by one replica sees at once
what another user's requests wrote through the other replica — messages (stored by replica 0
from the bus), typing (memory only, crosses over the bus), receipts and to-device messages
(written by whichever replica took them). Client-api picks a user's replica with
fnv1a64(user ID) mod N, so the two users are chosen to land on different replicas, and each
replica's metrics must show it answered /sync.

    sync_replicas_check.py BASE_URL CLUSTER_DIR
"""
import sys
import threading
import time
import urllib.request
import uuid

from harness import Checks, client

base, cluster_dir = sys.argv[1], sys.argv[2]
replicas = [n.strip() for n in open(f"{cluster_dir}/processes") if n.strip().startswith("syncapi-")]
checks = Checks()
check = checks.check
_call = client(base)


def call(method, path, token=None, body=None, timeout=30):
    return _call(method, path, body, token, timeout)


def replica_of(user_id):  # services/node/root/shard_hash.h
    h = 14695981039346656037
    for c in user_id.encode():
        h = ((h ^ c) * 1099511628211) % (1 << 64)
    return h % len(replicas)


def register():
    name = "rep" + uuid.uuid4().hex[:8]
    reg = call("POST", "/_matrix/client/v3/register",
               body={"username": name, "password": "pw-" + name, "auth": {"type": "m.login.dummy"}})
    return reg["user_id"], reg["access_token"]


if len(replicas) < 2:
    print("SKIP  fewer than two sync-api replicas")
    sys.exit(0)

alice, alice_token = register()
bob, bob_token = None, None
for _ in range(40):
    user, token = register()
    if replica_of(user) != replica_of(alice):
        bob, bob_token = user, token
        break
check(bob is not None, "two users on different sync-api replicas",
      f"{alice} -> syncapi-{replica_of(alice)}, {bob} -> syncapi-{replica_of(bob) if bob else '?'}")
if bob is None:
    sys.exit(1)

room = call("POST", "/_matrix/client/v3/createRoom", alice_token,
            {"preset": "private_chat", "invite": [bob]})["room_id"]
call("POST", f"/_matrix/client/v3/join/{room}", bob_token, {})
since = call("GET", "/_matrix/client/v3/sync?timeout=0", bob_token)["next_batch"]


def wait_for(what, act, found):
    """Long-polls bob's /sync (his replica) while `act` runs through alice's; returns ms."""
    global since
    result = {}

    def poll():
        global since
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = call("GET", f"/_matrix/client/v3/sync?timeout=5000&since={since}", bob_token)
            since = r["next_batch"]
            if found(r):
                result["at"] = time.monotonic()
                return

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.2)
    start = time.monotonic()
    act()
    t.join(15)
    ok = "at" in result
    check(ok, f"{what} reaches the other replica's long-poll",
          f"{(result['at'] - start) * 1000:.0f} ms" if ok else "not within 10 s")


def room_part(r, key):
    return r.get("rooms", {}).get("join", {}).get(room, {}).get(key, {}).get("events", [])


txn = uuid.uuid4().hex
event_id = None


def send():
    global event_id
    event_id = call("PUT", f"/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}", alice_token,
                    {"msgtype": "m.text", "body": "across replicas"})["event_id"]


wait_for("a message", send,
         lambda r: any(e.get("content", {}).get("body") == "across replicas"
                       for e in room_part(r, "timeline")))
wait_for("typing", lambda: call("PUT", f"/_matrix/client/v3/rooms/{room}/typing/{alice}",
                                alice_token, {"typing": True, "timeout": 20000}),
         lambda r: any(e.get("type") == "m.typing" and alice in e["content"].get("user_ids", [])
                       for e in room_part(r, "ephemeral")))
wait_for("a read receipt", lambda: call("POST",
                                        f"/_matrix/client/v3/rooms/{room}/receipt/m.read/{event_id}",
                                        alice_token, {}),
         lambda r: any(e.get("type") == "m.receipt" and event_id in e.get("content", {})
                       for e in room_part(r, "ephemeral")))
wait_for("a to-device message",
         lambda: call("PUT", f"/_matrix/client/v3/sendToDevice/m.test/{uuid.uuid4().hex}",
                      alice_token, {"messages": {bob: {"*": {"hello": "bob"}}}}),
         lambda r: any(e.get("type") == "m.test" for e in r.get("to_device", {}).get("events", [])))

# Each replica answered /sync for its own user (alice's is the other one).
call("GET", "/_matrix/client/v3/sync?timeout=0", alice_token)
for name in replicas:
    port = open(f"{cluster_dir}/ports/{name}.metrics").read().strip()
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    served = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                 if line.startswith("plexus_grpc_server_handled_total") and "QuerySync" in line)
    check(served > 0, f"{name} answered /sync", f"{served:.0f} QuerySync calls")

print(f"sync replicas: {checks.failures} failures")
sys.exit(1 if checks.failures else 0)
