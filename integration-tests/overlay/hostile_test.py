#!/usr/bin/python3
"""A hostile peer against a running overlay node (issue 6, "Bad input").

Usage: hostile_test.py PLEXUS_BINARY OVERLAY_HOSTILE_PEER [WORK_DIR]

Starts two `plexus node --p2p` processes on 127.0.0.1 without multicast: the target, and an
honest node peered with it (--peer). Then runs every attack of overlay_hostile_peer
(integration-tests/overlay/hostile/) against the target, one at a time, and checks after each:
the target process is alive, its client API answers, the honest node's link to it is still up
(the honest node has a peer and has closed no link), the attacker was disconnected where it
should be (or kept where a dropped frame should not cost the link), and the target's metric
counters moved (links_failed, links_closed, datagrams_dropped{reason}). Prints PASS/FAIL per
attack; exits 1 when any failed. Stdlib only; every wait is bounded; the nodes are killed at the
end. Node logs are kept under WORK_DIR (a temporary directory that is removed on success when
none is given).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from plexus_it import (Failed, check, free_port, key_named_server_name, read_log,  # noqa: E402
                       wait_until)

START_TIMEOUT = 30.0
LINK_TIMEOUT = 20.0
COUNTER_TIMEOUT = 5.0
TOOL_TIMEOUT = 30.0

# Link close codes (libs/overlay/include/plexus/overlay/link_session.h, LinkCloseCode).
CLOSE_PROTOCOL_ERROR = 1
CLOSE_MISBEHAVIOUR = 2


class Node:
    def __init__(self, binary, work, label, peers=()):
        self.label = label
        self.dir = os.path.join(work, label)
        os.makedirs(self.dir, exist_ok=True)
        self.client_port = free_port()
        self.overlay_port = free_port()
        self.metrics_port = free_port()
        self.log = os.path.join(self.dir, "node.log")
        config = os.path.join(self.dir, "plexus.yaml")
        peer_list = ", ".join(f'"{p}"' for p in peers)
        with open(config, "w") as f:
            f.write(f"""global:
  data_dir: "{self.dir}/data"
client_api:
  listen: "127.0.0.1:{self.client_port}"
  rate_limits: {{enabled: false}}
p2p:
  enabled: true
  overlay_listen: "127.0.0.1:{self.overlay_port}"
  peers: [{peer_list}]
  multicast: false
logging:
  level: "info"
metrics:
  listen: "127.0.0.1:{self.metrics_port}"
""")
        self.args = [binary, "node", "--config", config, "--p2p", "--no-multicast"]
        self.proc = None
        self.key = None

    @property
    def overlay_addr(self):
        return f"127.0.0.1:{self.overlay_port}"

    def start(self):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(self.args, stdout=logf, stderr=logf)
        logf.close()
        if not wait_until(self.api_answers, START_TIMEOUT, 0.05):
            check(self.proc.poll() is None, f"{self.label} exited: see {self.log}")
            raise Failed(f"{self.label} did not answer within {START_TIMEOUT:.0f} s")
        self.key = key_named_server_name(self.log, self.label)

    def log_text(self):
        return read_log(self.log)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def api_answers(self, timeout=2):
        try:
            url = f"http://127.0.0.1:{self.client_port}/_matrix/client/versions"
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return r.status == 200 and "versions" in json.loads(r.read())
        except (OSError, ValueError):
            return False

    def metrics(self):
        """{'name{labels}': value} from the node's Prometheus endpoint."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            name, _, value = line.rpartition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                pass
        return out

    def stop(self):
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


PEERS = "plexus_overlay_peers"
OPENED = "plexus_overlay_links_opened_total"
FAILED = "plexus_overlay_links_failed_total"
CLOSED = "plexus_overlay_links_closed_total"
FORGED = 'plexus_overlay_datagrams_dropped_total{reason="forged"}'
MALFORMED = 'plexus_overlay_datagrams_dropped_total{reason="malformed"}'
REFUSED = "plexus_overlay_links_refused_total"
IDLE_CONNECTIONS = 200

# What each attack must show. disconnected: the node must (True) or must not (False) hang up
# within the attack's window; within_ms: how fast; close_code: the node's close frame, when the
# tool saw one (a reset can swallow it, so absence is accepted); counters: the least rise of
# each target counter.
EXPECT = {
    "garbage": dict(disconnected=True, within_ms=2000, counters={FAILED: 1}),
    "oversized": dict(handshake=True, disconnected=True, within_ms=2000,
                      close_code=CLOSE_PROTOCOL_ERROR, counters={OPENED: 1, CLOSED: 1},
                      log="protocol_error: record length 65535 out of range"),
    "forged-handshake": dict(disconnected=True, within_ms=2000, counters={FAILED: 1},
                             unchanged=(OPENED,)),
    "replay": dict(handshake=True, disconnected=True, within_ms=2000,
                   close_code=CLOSE_PROTOCOL_ERROR, counters={OPENED: 1, CLOSED: 1},
                   log="protocol_error: record 1 failed to authenticate"),
    "tamper": dict(handshake=True, disconnected=True, within_ms=2000,
                   close_code=CLOSE_PROTOCOL_ERROR, counters={OPENED: 1, CLOSED: 1},
                   log="protocol_error: record 0 failed to authenticate"),
    "forged-announcement": dict(handshake=True, disconnected=False,
                                counters={OPENED: 1, CLOSED: 1, FORGED: 2, MALFORMED: 1},
                                log="peer_closed"),
    # Round after round of fresh flooding links for 5 s; every link but a last one cut short by
    # the window must be disconnected for misbehaviour.
    "flood": dict(handshake=True, disconnected=True, within_ms=5000,
                  close_code=CLOSE_MISBEHAVIOUR, counters={OPENED: 1, CLOSED: 1},
                  log="misbehaviour: peer exceeded the receive limits"),
    # The node's handshake deadline is 10 s (LinkOptions::handshakeTimeoutUs).
    "slowloris": dict(disconnected=True, within_ms=11500, min_ms=9000, counters={FAILED: 1}),
}


class ApiProbe:
    """Polls the target's client API while an attack runs; records the slowest answer."""

    def __init__(self, node):
        self.node, self.worst, self.failures = node, 0.0, 0
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_flag.is_set():
            started = time.monotonic()
            if not self.node.api_answers(timeout=3):
                self.failures += 1
            self.worst = max(self.worst, time.monotonic() - started)
            self.stop_flag.wait(0.2)

    def finish(self):
        self.stop_flag.set()
        self.thread.join(timeout=5)


def run_attack(tool, target, honest, name):
    expect = EXPECT[name]
    before = target.metrics()
    honest_before = honest.metrics()
    probe = ApiProbe(target)
    cmd = [tool, "--target", target.overlay_addr, "--target-key", target.key, "--attack", name]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    finally:
        probe.finish()
    print(f"  $ {' '.join(cmd[:1] + ['...'] + cmd[-2:])}\n  {done.stdout.strip()}", flush=True)
    check(done.returncode == 0, f"the tool failed (exit {done.returncode}): "
          f"{done.stdout.strip()} {done.stderr.strip()}")
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    check(target.alive(), "the target node died")
    check(target.api_answers(), "the target's client API does not answer after the attack")
    check(probe.failures == 0, f"the client API failed {probe.failures} times during the attack")
    check(probe.worst < 2.0, f"the client API took {probe.worst:.2f} s during the attack")

    if expect.get("handshake"):
        check(seen["handshake"], "the attacker's valid handshake did not complete")
    if expect["disconnected"]:
        check(seen["disconnected"], "the node did not disconnect the attacker")
        check(seen["after_ms"] <= expect["within_ms"],
              f"the node took {seen['after_ms']} ms to disconnect (limit {expect['within_ms']})")
        if "min_ms" in expect:
            check(seen["after_ms"] >= expect["min_ms"],
                  f"disconnected after {seen['after_ms']} ms, before the handshake deadline")
    else:
        check(not seen["disconnected"], "the node disconnected the attacker for a dropped frame")
    if name == "flood":
        m = re.match(r"(\d+) of (\d+) flooding links cut", seen["note"])
        check(m and int(m.group(1)) >= int(m.group(2)) - 1,
              f"not every flooding link was cut: {seen['note']}")
        expect["counters"] = {OPENED: seen["rounds"], CLOSED: seen["rounds"]}
    if "close_code" in expect and seen["close_code"] != -1:
        check(seen["close_code"] == expect["close_code"],
              f"close code {seen['close_code']}, expected {expect['close_code']}")

    def counters_moved():
        now = target.metrics()
        return all(now.get(k, 0) - before.get(k, 0) >= v for k, v in expect["counters"].items())

    if "log" in expect:
        # Why the node closed the attacker's link, in its own words.
        line = f"overlay link down: {seen['attacker_key'][:12]} ({expect['log']}"
        check(wait_until(lambda: line in target.log_text(), COUNTER_TIMEOUT),
              f"no '{line}' in the target's log")

    moved = wait_until(counters_moved, COUNTER_TIMEOUT)
    after = target.metrics()
    deltas = {k: after.get(k, 0) - before.get(k, 0)
              for k in list(expect["counters"]) + list(expect.get("unchanged", ()))}
    check(moved, f"target counters did not move as expected: {deltas}")
    for k in expect.get("unchanged", ()):
        check(deltas[k] == 0, f"{k} moved by {deltas[k]}")
    # Only the honest link remains on the target once the attacker is gone.
    check(wait_until(lambda: target.metrics().get(PEERS, 0) == 1, COUNTER_TIMEOUT),
          f"the target has {target.metrics().get(PEERS)} peers after the attack, expected 1")

    honest_after = honest.metrics()
    check(honest_after.get(PEERS, 0) >= 1, "the honest node lost its link to the target")
    check(honest_after.get(CLOSED, 0) == honest_before.get(CLOSED, 0) and
          honest_after.get(FAILED, 0) == honest_before.get(FAILED, 0),
          "the honest node's link was closed or redialled during the attack")
    moves = ", ".join(f"{k.replace('plexus_overlay_', '')} +{v:g}" for k, v in deltas.items())
    return f"{moves}; slowest client API answer {probe.worst * 1000:.0f} ms"


def run_idle_flood(target, honest):
    """Hundreds of connections that send one byte of a hello and wait: beyond the cap on
    handshakes in progress from one address (8) the node closes them at once, so they cannot
    use up its file descriptors."""
    before, honest_before = target.metrics(), honest.metrics()
    host, port = target.overlay_addr.rsplit(":", 1)
    probe = ApiProbe(target)
    sockets = []
    try:
        for _ in range(IDLE_CONNECTIONS):
            s = socket.create_connection((host, int(port)), timeout=2)
            s.sendall(b"P")
            sockets.append(s)
        refused = lambda: target.metrics().get(REFUSED, 0) - before.get(REFUSED, 0)
        check(wait_until(lambda: refused() >= IDLE_CONNECTIONS - 8, COUNTER_TIMEOUT),
              f"only {refused():g} of {IDLE_CONNECTIONS} idle connections were refused")
        # A refused connection reads end-of-file at once.
        last = sockets[-1]
        last.settimeout(2)
        try:
            check(last.recv(16) == b"", "a refused connection was left open")
        except ConnectionResetError:
            pass
    finally:
        for s in sockets:
            s.close()
        probe.finish()
    check(target.alive(), "the target node died")
    check(probe.failures == 0, f"the client API failed {probe.failures} times during the flood")
    honest_after = honest.metrics()
    check(honest_after.get(PEERS, 0) >= 1 and
          honest_after.get(CLOSED, 0) == honest_before.get(CLOSED, 0),
          "the honest node's link was disturbed")
    refused = target.metrics().get(REFUSED, 0) - before.get(REFUSED, 0)
    return f"{refused:g} of {IDLE_CONNECTIONS} refused; slowest client API answer " \
           f"{probe.worst * 1000:.0f} ms"


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, tool = sys.argv[1], sys.argv[2]
    for path in (binary, tool):
        if not os.access(path, os.X_OK):
            print(f"hostile_test.py: {path} is not executable", file=sys.stderr)
            return 2
    own_work = len(sys.argv) < 4
    work = tempfile.mkdtemp(prefix="plexus-hostile.") if own_work else sys.argv[3]
    os.makedirs(work, exist_ok=True)
    nodes = []
    failures = 0
    try:
        target = Node(binary, work, "target")
        nodes.append(target)
        target.start()
        honest = Node(binary, work, "honest", peers=[target.overlay_addr])
        nodes.append(honest)
        honest.start()
        linked = wait_until(lambda: target.metrics().get(PEERS, 0) >= 1 and
                            honest.metrics().get(PEERS, 0) >= 1, LINK_TIMEOUT, 0.2)
        check(linked, f"the honest node did not link to the target within {LINK_TIMEOUT:.0f} s")
        print(f"target {target.key[:12]} at {target.overlay_addr}, honest {honest.key[:12]} "
              f"linked", flush=True)
        for name in EXPECT:
            started = time.monotonic()
            try:
                summary = run_attack(tool, target, honest, name)
                print(f"PASS {name} ({time.monotonic() - started:.1f} s; {summary})", flush=True)
            except (Failed, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
                failures += 1
                print(f"FAIL {name}: {e}", flush=True)
                if not target.alive():
                    break
        started = time.monotonic()
        try:
            summary = run_idle_flood(target, honest)
            print(f"PASS idle-flood ({time.monotonic() - started:.1f} s; {summary})", flush=True)
        except (Failed, OSError) as e:
            failures += 1
            print(f"FAIL idle-flood: {e}", flush=True)
    except Failed as e:
        failures += 1
        print(f"FAIL setup: {e}", flush=True)
    finally:
        for node in nodes:
            node.stop()
    if failures:
        for node in nodes:
            try:
                with open(node.log, errors="replace") as f:
                    tail = f.read().splitlines()[-20:]
            except OSError:
                tail = []
            print(f"--- {node.log} (last lines)\n" + "\n".join(tail))
        print(f"hostile_test: {failures} failure(s); logs in {work}")
        return 1
    if own_work:
        shutil.rmtree(work, ignore_errors=True)
    print("hostile_test: all attacks handled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
