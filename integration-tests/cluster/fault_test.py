#!/usr/bin/env python3
"""Fault test of the local cluster (issue 5): while a client sends messages, SIGKILL each
service in turn (roomserver shards, sync-api, client-api replicas, federation-sender shards,
the account service, keyserver, federationapi) and restart it. The clients retry by themselves (same transaction ID, so a retried send is not
a second message); at the end every acknowledged message must reach the receiving client
exactly once and in order.

    fault_test.py BASE_URL CLUSTER_SH CLUSTER_DIR

Prints PASS/FAIL lines; exits non-zero on failure. Every wait is bounded.
"""
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

from harness import Checks, client

BASE, CLUSTER_SH, CLUSTER_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
# In turn: a roomserver shard, sync-api replica 0 (the Redis consumer of room events), a
# client-api replica, a federation-sender shard (a Redis consumer too), the other shard and
# replicas, ...
WANTED = ["roomserver-0", "syncapi-0", "clientapi-0", "federationsender-0", "roomserver-1",
          "syncapi-1", "accountsync", "clientapi-1", "keyserver", "federationapi",
          "federationsender-1"]
PROCESSES = {n.strip() for n in open(f"{CLUSTER_DIR}/processes") if n.strip()}
VICTIMS = [v for v in WANTED if v in PROCESSES]
checks = Checks()
check = checks.check
call = client(BASE)


def retrying(fn, limit_s=60):
    """fn() until it succeeds; transport errors and 5xx are retried (a service restarting)."""
    deadline = time.monotonic() + limit_s
    while True:
        try:
            return fn()
        except urllib.error.HTTPError as e:
            if e.code < 500 and e.code != 429:
                raise
            err = e
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
            err = e
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up after {limit_s} s: {err}")
        time.sleep(0.1)


def register(name):
    body = {"username": name, "password": "pw-" + name, "auth": {"type": "m.login.dummy"}}
    r = retrying(lambda: call("POST", "/_matrix/client/v3/register", body))
    return r["access_token"], r["user_id"]


suffix = uuid.uuid4().hex[:6]
alice, alice_id = register("alice" + suffix)
bob, bob_id = register("bob" + suffix)
room = retrying(lambda: call("POST", "/_matrix/client/v3/createRoom",
                             {"preset": "public_chat"}, alice))["room_id"]
retrying(lambda: call("POST", f"/_matrix/client/v3/join/{urllib.request.quote(room)}", {}, bob))

acked = []  # bodies the server acknowledged, in send order
stop = threading.Event()
send_errors = []


def sender():
    i = 0
    while not stop.is_set() and i < 50000:
        txn = f"t{suffix}-{i}"
        body = {"msgtype": "m.text", "body": f"m{i}"}
        path = (f"/_matrix/client/v3/rooms/{urllib.request.quote(room)}/send/m.room.message/"
                f"{txn}")
        try:
            retrying(lambda: call("PUT", path, body, alice), limit_s=90)
        except Exception as e:  # noqa: BLE001 - reported below
            send_errors.append(str(e))
            return
        acked.append(f"m{i}")
        i += 1
        time.sleep(0.02)


seen = []
seen_ids = set()
dup_ids = []


FILTER = urllib.request.quote(json.dumps({"room": {"timeline": {"limit": 1000}}}))


def take(ev):
    if ev.get("type") != "m.room.message":
        return
    if ev["event_id"] in seen_ids:
        dup_ids.append(ev["event_id"])
        return
    seen_ids.add(ev["event_id"])
    seen.append(ev["content"]["body"])


def backfill(prev_batch):
    """A limited timeline skipped events: page back with /messages to the ones already seen,
    as clients do."""
    older = []
    token = prev_batch
    for _ in range(100):
        r = retrying(lambda: call("GET", f"/_matrix/client/v3/rooms/{urllib.request.quote(room)}"
                                  f"/messages?dir=b&limit=100&from={token}", token=bob))
        chunk = r.get("chunk", [])
        fresh = [e for e in chunk if e["event_id"] not in seen_ids]
        older.extend(fresh)
        if len(fresh) < len(chunk) or not chunk or "end" not in r:
            break
        token = r["end"]
    for ev in reversed(older):
        take(ev)


def sync_once(timeout_ms):
    global since
    path = f"/_matrix/client/v3/sync?timeout={timeout_ms}&filter={FILTER}"
    if since:
        path += f"&since={since}"
    try:
        r = call("GET", path, token=bob, timeout=10 + timeout_ms / 1000)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        time.sleep(0.1)
        return
    since = r.get("next_batch", since)
    timeline = r.get("rooms", {}).get("join", {}).get(room, {}).get("timeline", {})
    events = timeline.get("events", [])
    if timeline.get("limited") and timeline.get("prev_batch") and seen_ids:
        limited_syncs.append(len(events))
        # Events before this batch that we have not seen come first.
        batch = events
        backfill(timeline["prev_batch"])
        events = batch
    for ev in events:
        take(ev)


limited_syncs = []


def receive_until(expected_bodies, limit_s):
    """Bob's /sync loop until every expected body was seen (or the limit)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if set(expected_bodies) <= set(seen):
            return True
        sync_once(2000)
    return set(expected_bodies) <= set(seen)


since = None
sync_once(0)  # Bob's initial sync: everything after it arrives incrementally
t = threading.Thread(target=sender, daemon=True)
t.start()
time.sleep(1.0)
for victim in VICTIMS:
    before = len(acked)
    subprocess.run([CLUSTER_SH, "kill", CLUSTER_DIR, victim], check=True, timeout=30)
    time.sleep(0.5)
    started = subprocess.run([CLUSTER_SH, "start", CLUSTER_DIR, victim], timeout=120)
    check(started.returncode == 0, f"{victim}: SIGKILLed and restarted")
    # Progress resumes: the client got answers again after the restart.
    deadline = time.monotonic() + 60
    while len(acked) <= before + 3 and time.monotonic() < deadline and t.is_alive():
        time.sleep(0.1)
    check(len(acked) > before + 3, f"{victim}: sends continue after the restart",
          f"{len(acked) - before} acknowledged meanwhile")
    receive_until(list(acked), 5)
stop.set()
t.join(timeout=120)
check(not send_errors, "the sending client recovered from every failure", "; ".join(send_errors))
complete = receive_until(list(acked), 90)
missing = [b for b in acked if b not in set(seen)]
check(complete, f"all {len(acked)} acknowledged messages reached the receiver",
      f"missing {missing[:10]}" if missing else "")
check(not dup_ids and len(seen) == len(set(seen)), "no message delivered twice",
      f"{len(dup_ids)} duplicate event IDs, {len(seen) - len(set(seen))} duplicate bodies")
order = [int(b[1:]) for b in seen if b.startswith("m")]
inversions = [(a, b) for a, b in zip(order, order[1:]) if b < a]
check(not inversions, "messages arrived in the order they were sent",
      f"{len(inversions)} inversions, first {inversions[:3]}")
print(f"fault test: {len(acked)} messages, {len(VICTIMS)} kills, {len(limited_syncs)} limited "
      f"syncs filled from /messages, {checks.failures} failures")
sys.exit(1 if checks.failures else 0)
