#!/usr/bin/python3
"""Crash test: no acknowledged message is lost when the node is killed with SIGKILL.

Usage: sigkill_test.py PLEXUS_BINARY PORT NODE_ARG...

Starts `PLEXUS_BINARY node NODE_ARG... --client-addr 127.0.0.1:PORT` (the args must enable
registration and give the data dir or config), registers a user, creates a room, and sends
messages from several connections as fast as it can. Mid-way the node is killed with SIGKILL,
then restarted on the same data; every message whose send answered 200 with an event_id must
be in /messages. Prints PASS/FAIL lines and "N passed, N failed"; exits 1 on failure.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

SENDERS = 4
SEND_SECONDS = 1.5
results = []


def report(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} sigkill: {name}{(': ' + detail) if detail else ''}", flush=True)


class Api:
    def __init__(self, port, token=None):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None if body is None else json.dumps(body)
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw or b"{}")
        except ValueError:
            return resp.status, {"raw": raw.decode(errors="replace")}


def start_node(binary, port, args, log):
    cmd = [binary, "node", *args, "--client-addr", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"node exited with {proc.returncode}")
        try:
            status, _ = Api(port).call("GET", "/_matrix/client/versions")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.01)
    proc.kill()
    raise RuntimeError("node did not answer within 30 s")


def register(port):
    api = Api(port)
    user = f"crash{os.getpid()}{int(time.time() * 1000) % 100000}"
    body = {"username": user, "password": "crash-password"}
    status, resp = api.call("POST", "/_matrix/client/v3/register", body)
    if status == 401:
        body["auth"] = {"type": "m.login.dummy", "session": resp.get("session")}
        status, resp = api.call("POST", "/_matrix/client/v3/register", body)
    if status != 200:
        raise RuntimeError(f"register: {status} {resp}")
    return resp["access_token"]


def sender(port, token, room, index, acked, stop):
    api = Api(port, token)
    n = 0
    path_room = urllib.parse.quote(room)
    while not stop.is_set():
        body = f"crash message {index}-{n}"
        txn = f"t{index}-{n}-{os.getpid()}"
        try:
            status, resp = api.call("PUT", f"/_matrix/client/v3/rooms/{path_room}/send/m.room.message/{txn}",
                                    {"msgtype": "m.text", "body": body})
        except (OSError, http.client.HTTPException):
            return  # the node is gone
        if status == 200 and "event_id" in resp:
            acked.append((resp["event_id"], body))
        n += 1


def all_event_ids(port, token, room):
    api = Api(port, token)
    path_room = urllib.parse.quote(room)
    ids = set()
    frm = None
    status, resp = api.call("GET", "/_matrix/client/v3/sync?timeout=0")
    if status == 200:
        timeline = resp.get("rooms", {}).get("join", {}).get(room, {}).get("timeline", {})
        ids.update(e.get("event_id") for e in timeline.get("events", []))
        frm = timeline.get("prev_batch") or resp.get("next_batch")
    for _ in range(10000):
        query = {"dir": "b", "limit": "1000"}
        if frm:
            query["from"] = frm
        status, resp = api.call("GET", f"/_matrix/client/v3/rooms/{path_room}/messages?"
                                + urllib.parse.urlencode(query))
        if status != 200:
            raise RuntimeError(f"/messages: {status} {resp}")
        chunk = resp.get("chunk", [])
        ids.update(e.get("event_id") for e in chunk)
        if not chunk or not resp.get("end") or resp.get("end") == frm:
            break
        frm = resp["end"]
    return ids


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, port, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    log = open(os.environ.get("SIGKILL_NODE_LOG", os.devnull), "ab")
    node = start_node(binary, port, args, log)
    try:
        token = register(port)
        status, resp = Api(port, token).call("POST", "/_matrix/client/v3/createRoom", {"name": "crash"})
        if status != 200:
            raise RuntimeError(f"createRoom: {status} {resp}")
        room = resp["room_id"]
        acked, stop = [], threading.Event()
        threads = [threading.Thread(target=sender, args=(port, token, room, i, acked, stop))
                   for i in range(SENDERS)]
        for t in threads:
            t.start()
        time.sleep(SEND_SECONDS)
        node.send_signal(signal.SIGKILL)  # mid-flight: requests are being answered right now
        node.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=15)
        report("messages acknowledged before the kill", len(acked) > 0, f"{len(acked)} acked")
        node = start_node(binary, port, args, log)
        report("node restarts on the same data after SIGKILL", True)
        present = all_event_ids(port, token, room)
        missing = [(e, b) for e, b in acked if e not in present]
        report("every acknowledged message is in /messages", not missing,
               f"{len(acked) - len(missing)}/{len(acked)} present"
               + (f"; first missing {missing[:3]}" if missing else ""))
    except Exception as e:  # noqa: BLE001
        report("crash test ran", False, f"{type(e).__name__}: {e}")
    finally:
        if node.poll() is None:
            node.terminate()
            try:
                node.wait(timeout=15)
            except subprocess.TimeoutExpired:
                node.kill()
    passed = sum(results)
    print(f"sigkill: {passed} passed, {len(results) - passed} failed", flush=True)
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
