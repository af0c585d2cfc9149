#!/usr/bin/python3
"""Key-named nodes federating over the overlay, driven by matrix-nio (issue 6).

Usage: overlay_test.py PLEXUS_BINARY WORK_DIR [--multicast]

Six `plexus node --p2p` processes on loopback, each named by its own key, linked in a ring
N0-N1-N2-N3-N4-N5-N0 so that most pairs are not direct peers (N0 to N3 is three hops either
way). Links come from bootstrap peers (--peer), except N4-N5, which find each other by LAN
multicast when --multicast is given (run.sh runs the test in a private network namespace whose
loopback carries multicast). The link N1-N2 goes through a TCP relay of this script, so the
test can cut it. A seventh node, cloud.test, is DNS-named: it serves federation over HTTPS and
joins the overlay with N2 as bootstrap peer, as a cloud server would.

Steps: users on N0, N3, N5 and cloud.test share one room (invites and joins across three hops
and across the overlay/HTTPS boundary); messages both ways arrive once and in order; the link
N1-N2 is cut in the middle of a burst of messages and every message still arrives (rerouted the
other way round the ring). Prints PASS/FAIL per step; exits 1 when any failed. Every wait is
bounded; every process is stopped on exit.
"""
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from nio import (AsyncClient, JoinResponse, RoomCreateResponse, RoomMessageText, RoomSendResponse,
                 RoomVisibility)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from plexus_it import Failed, check, free_port, key_named_server_name, read_log  # noqa: E402

STEP_TIMEOUT = 60.0
results = []


class Relay:
    """A TCP relay for one overlay link, so the link can be cut: cut() closes every connection
    and stops listening."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        self.lock = threading.Lock()
        self.cut_done = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.cut_done:
                    client.close()
                    upstream.close()
                    return
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.cut_done = True
            socks, self.sockets = self.sockets, []
        self.listener.close()
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


class Node:
    def __init__(self, binary, work, label, overlay_port, peers, multicast, server_name=None,
                 fed_port=None, resolve=(), metrics_port=None):
        self.binary, self.label = binary, label
        self.dir = os.path.join(work, label)
        os.makedirs(self.dir, exist_ok=True)
        self.client_port = free_port()
        self.overlay_port = overlay_port
        self.log = os.path.join(self.dir, "node.log")
        self.config = os.path.join(self.dir, "plexus.yaml")
        peer_list = ", ".join(f'"{p}"' for p in peers)
        resolve_list = ", ".join(f'"{r}"' for r in resolve)
        with open(self.config, "w") as f:
            f.write(f"""global:
  data_dir: "{self.dir}/data"
""" + (f'  server_name: "{server_name}"\n' if server_name else "") + f"""client_api:
  listen: "127.0.0.1:{self.client_port}"
  registration_enabled: true
  rate_limits: {{enabled: false}}
federation:
""" + (f'  listen: "127.0.0.1:{fed_port}"\n' if fed_port else "") + f"""  skip_tls_verify: true
  resolve: [{resolve_list}]
p2p:
  enabled: true
  overlay_listen: "127.0.0.1:{overlay_port}"
  peers: [{peer_list}]
  multicast: {"true" if multicast else "false"}
logging:
  level: "info"
""" + (f'metrics:\n  listen: "127.0.0.1:{metrics_port}"\n' if metrics_port else ""))
        self.args = [binary, "node", "--config", self.config] + ([] if server_name else ["--p2p"])
        self.proc = None
        self.server_name = server_name

    @property
    def url(self):
        return f"http://127.0.0.1:{self.client_port}"

    def start(self):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(self.args, stdout=logf, stderr=logf)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failed(f"{self.label} exited: see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise Failed(f"{self.label} did not answer within 30 s")
        if not self.server_name:
            self.server_name = key_named_server_name(self.log, self.label)

    def log_text(self):
        return read_log(self.log)

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


class User:
    def __init__(self, node, name):
        self.node, self.name = node, name
        self.client = AsyncClient(node.url, name)
        self.texts = []  # (room, sender, body)
        self.client.add_event_callback(self._on_text, (RoomMessageText,))
        self.next_batch = None

    async def _on_text(self, room, event):
        self.texts.append((room.room_id, event.sender, event.body))

    async def register(self):
        r = await self.client.register(self.name, "pw-" + self.name + "-overlay")
        check(getattr(r, "user_id", None), f"register {self.name}: {r}")
        return r.user_id

    async def sync_once(self, timeout_ms=500):
        # A timeline limit above any burst here: a limited timeline would hide messages that did
        # arrive (a real client would page back with /messages).
        r = await self.client.sync(timeout=timeout_ms, since=self.next_batch,
                                   sync_filter={"room": {"timeline": {"limit": 200}}})
        if hasattr(r, "next_batch"):
            self.next_batch = r.next_batch
        return r

    async def wait_for(self, predicate, what, seconds=STEP_TIMEOUT - 5):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            r = await self.sync_once()
            if predicate(r):
                return r
        raise Failed(f"{self.name}: timed out waiting for {what}")

    async def bodies(self, room, sender):
        return [b for (r, s, b) in self.texts if r == room and s == sender]


def api(user, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{user.node.url}{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {user.client.access_token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


async def step(name, coro):
    start = time.monotonic()
    try:
        value = await asyncio.wait_for(coro, STEP_TIMEOUT)
        results.append((name, True))
        print(f"PASS overlay: {name} ({(time.monotonic() - start) * 1000:.0f} ms)", flush=True)
        return value if value is not None else True
    except Exception as e:  # noqa: BLE001 - reported, then the run goes on
        results.append((name, False))
        print(f"FAIL overlay: {name}: {type(e).__name__}: {e}", flush=True)
        return None


async def run(binary, work, multicast):
    ports = [free_port() for _ in range(6)]
    relay = Relay(ports[2])  # N1 reaches N2 through the relay
    ring = {0: [f"127.0.0.1:{ports[5]}"], 1: [f"127.0.0.1:{ports[0]}"],
            2: [], 3: [f"127.0.0.1:{ports[2]}"], 4: [f"127.0.0.1:{ports[3]}"], 5: []}
    ring[1].append(f"127.0.0.1:{relay.port}")
    if not multicast:
        ring[5].append(f"127.0.0.1:{ports[4]}")
    cloud_fed = free_port()
    cloud_overlay = free_port()
    resolve = [f"cloud.test=127.0.0.1:{cloud_fed}"]
    metrics_port = free_port()
    nodes = [Node(binary, work, f"n{i}", ports[i], ring[i], multicast and i in (4, 5),
                  resolve=resolve, metrics_port=metrics_port if i == 0 else None)
             for i in range(6)]
    cloud = Node(binary, work, "cloud", cloud_overlay, [f"127.0.0.1:{ports[2]}"], False,
                 server_name="cloud.test", fed_port=cloud_fed)
    everyone = nodes + [cloud]
    users = []
    try:
        async def start_all():
            for n in everyone:
                n.start()
            names = {n.server_name for n in nodes}
            check(len(names) == 6 and all(len(s) == 64 for s in names),
                  f"key-named servers: {names}")
        if not await step("six key-named nodes and a DNS-named cloud node start", start_all()):
            return

        async def overlay_up():
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                text = nodes[5].log_text()
                if "overlay link up" in text and (not multicast or nodes[4].log_text()):
                    linked = [n for n in everyone if "overlay link up" in n.log_text()]
                    if len(linked) == len(everyone):
                        return
                await asyncio.sleep(0.2)
            raise Failed("not every node has an overlay link")
        await step("every node links to its overlay peers", overlay_up())

        async def not_direct():
            # n0's only peers are n1 and n5: n3 is three hops away either way round the ring.
            expected = {nodes[1].server_name[:12], nodes[5].server_name[:12]}
            deadline = time.monotonic() + 15
            while True:
                linked = set(re.findall(r"overlay link up: ([0-9a-f]{12})", nodes[0].log_text()))
                if linked == expected or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            check(linked == expected, f"n0 linked to {linked}, expected {expected}")
        await step("n0 and n3 are not peers (ring of six)", not_direct())
        if multicast:
            async def discovered():
                # Beacons go out every 5 s (+-20 %): allow three rounds.
                pattern = r"overlay link up: " + nodes[4].server_name[:12]
                deadline = time.monotonic() + 20
                while not re.search(pattern, nodes[5].log_text()):
                    check(time.monotonic() < deadline, "n5 (no bootstrap peer to n4) has no link to n4")
                    await asyncio.sleep(0.2)
            await step("n4 and n5 find each other by LAN multicast (no bootstrap peer)",
                       discovered())
        else:
            print("SKIP overlay: multicast discovery (no private network namespace here)")

        alice, bob, dave, carol = (User(nodes[0], "alice"), User(nodes[3], "bob"),
                                   User(nodes[5], "dave"), User(cloud, "carol"))
        users = [alice, bob, dave, carol]

        async def register_all():
            for u in users:
                u.user_id = await u.register()
                await u.sync_once(0)
            check(bob.user_id.endswith(":" + nodes[3].server_name), bob.user_id)
        if not await step("users register on their own nodes (@name:<hex>)", register_all()):
            return

        async def create_account_offline():
            # The operator's command on a key-named node's config: the user is named after the
            # node key like those who registered, and logs in on the running node.
            out = subprocess.run([binary, "create-account", "--config", nodes[1].config,
                                  "--username", "erin", "--password", "pw-erin-overlay"],
                                 capture_output=True, text=True, timeout=30)
            expected = f"@erin:{nodes[1].server_name}"
            check(out.returncode == 0 and expected in out.stdout,
                  f"create-account: rc {out.returncode}: {out.stdout} {out.stderr}")
            req = urllib.request.Request(
                f"{nodes[1].url}/_matrix/client/v3/login", method="POST",
                data=json.dumps({"type": "m.login.password", "password": "pw-erin-overlay",
                                 "identifier": {"type": "m.id.user", "user": "erin"}}).encode(),
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                check(json.load(r).get("user_id") == expected, "login as erin")
        if not await step("create-account on a key-named node makes @erin:<hex>, who logs in",
                          create_account_offline()):
            return

        room = {}

        async def create_and_join():
            r = await alice.client.room_create(name="overlay", invite=[bob.user_id, dave.user_id,
                                                                        carol.user_id])
            check(isinstance(r, RoomCreateResponse), f"createRoom: {r}")
            room["id"] = r.room_id
            for u in (bob, dave, carol):
                await u.wait_for(lambda s: room["id"] in s.rooms.invite, "the invite")
                j = await u.client.join(room["id"])
                check(isinstance(j, JoinResponse), f"{u.name} join: {j}")
        if not await step("alice (n0) invites bob (n3, three hops), dave (n5) and carol "
                          "(cloud.test); all join", create_and_join()):
            return
        rid = room["id"]

        async def send_in(u, room_id, body):
            r = await u.client.room_send(room_id, "m.room.message",
                                         {"msgtype": "m.text", "body": body},
                                         ignore_unverified_devices=True)
            check(isinstance(r, RoomSendResponse), f"{u.name} send: {r}")

        async def send(u, body):
            await send_in(u, rid, body)

        async def expect(u, sender, bodies):
            def seen(_):
                got = [b for (r, s, b) in u.texts if r == rid and s == sender.user_id]
                return [b for b in got if b in bodies] == bodies
            try:
                await u.wait_for(seen, f"{len(bodies)} messages from {sender.name}")
            except Failed as e:
                got = [b for (r, s, b) in u.texts if r == rid and s == sender.user_id]
                raise Failed(f"{e}; got {got}") from None
            got = [b for (r, s, b) in u.texts if r == rid and s == sender.user_id]
            check(len([b for b in got if b in bodies]) == len(bodies),
                  f"{u.name}: duplicates from {sender.name}")

        async def both_ways():
            a_msgs = [f"alice {i}" for i in range(10)]
            b_msgs = [f"bob {i}" for i in range(10)]
            for i in range(10):
                await send(alice, a_msgs[i])
                await send(bob, b_msgs[i])
            await expect(bob, alice, a_msgs)
            await expect(alice, bob, b_msgs)
        await step("10 messages each way between n0 and n3 arrive once, in order", both_ways())

        async def cut_mid_burst():
            burst = [f"burst {i}" for i in range(20)]
            for i, body in enumerate(burst):
                if i == 5:
                    relay.cut()
                    n1_prefix = nodes[1].server_name[:12]
                    deadline = time.monotonic() + 10
                    while f"overlay link down: {n1_prefix}" not in nodes[2].log_text():
                        check(time.monotonic() < deadline, "n2 did not see the link to n1 go down")
                        await asyncio.sleep(0.05)
                await send(alice, body)
                await asyncio.sleep(0.05)
            back = [f"after the cut {i}" for i in range(5)]
            for body in back:
                await send(bob, body)
            await expect(bob, alice, burst)
            await expect(alice, bob, back)
        await step("link n1-n2 cut mid-burst: all 20 messages still arrive, and replies",
                   cut_mid_burst())

        async def cloud_and_key_named():
            await send(carol, "hello from the cloud")
            await send(dave, "hello from n5")
            await expect(bob, carol, ["hello from the cloud"])
            await expect(carol, dave, ["hello from n5"])
            await expect(dave, carol, ["hello from the cloud"])
        await step("cloud.test and key-named nodes exchange messages in the room",
                   cloud_and_key_named())

        async def gossip():
            # alice makes a public room and sets a display name; people on other nodes find both
            # in their own node's directories, spread by gossip (no server in the middle).
            r = await alice.client.room_create(name="gossip lounge", topic="found by gossip",
                                               visibility=RoomVisibility.public)
            check(isinstance(r, RoomCreateResponse), f"createRoom: {r}")
            await alice.client.set_displayname("Alice Overlay")
            deadline = time.monotonic() + 30
            found_room = found_user = False
            while time.monotonic() < deadline and not (found_room and found_user):
                # nio 0.20 has no directory calls: the Client-Server API by hand.
                rooms = await asyncio.to_thread(api, dave, "GET", "/_matrix/client/v3/publicRooms")
                found_room = any(c.get("room_id") == r.room_id and c.get("name") == "gossip lounge"
                                 for c in rooms.get("chunk", []))
                users = await asyncio.to_thread(api, bob, "POST",
                                                "/_matrix/client/v3/user_directory/search",
                                                {"search_term": "Alice Overlay"})
                found_user = any(u.get("user_id") == alice.user_id
                                 for u in users.get("results", []))
                if not (found_room and found_user):
                    await asyncio.sleep(0.5)
            check(found_room, "dave's node does not list alice's public room")
            check(found_user, "bob's user directory does not find alice")
            # What a client does with a directory entry: join by room ID alone (no server_name),
            # then talk there.
            j = await dave.client.join(r.room_id)
            check(isinstance(j, JoinResponse), f"dave joins the gossiped room by ID: {j}")
            await send_in(dave, r.room_id, "found you by gossip")
            await alice.wait_for(
                lambda _: ("found you by gossip" in
                           [b for (room, s, b) in alice.texts if room == r.room_id and
                            s == dave.user_id]),
                "dave's message in the gossiped room")
        await step("a public room and a profile on n0 reach the directories of n5 and n3 by "
                   "gossip; dave joins the room by its ID alone", gossip())

        async def metrics():
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
                text = r.read().decode()
            values = {}
            for line in text.splitlines():
                m = re.match(r'(plexus_overlay_[a-z_]+(?:\{[^}]*\})?) ([0-9.e+]+)$', line)
                if m:
                    values[m.group(1)] = float(m.group(2))
            check(values.get("plexus_overlay_peers") == 2, f"n0 peers: {values.get('plexus_overlay_peers')}")
            check(values.get('plexus_overlay_link_bytes_total{direction="out",kind="traffic"}', 0) > 0,
                  "no traffic bytes on n0's links")
            check(values.get('plexus_overlay_routes{kind="keyspace"}') == 2, "key-space entries")
            check(values.get("plexus_overlay_sessions", 0) >= 1, "no session")
        await step("n0 exports its links, routes, sessions and bytes to Prometheus", metrics())
    finally:
        for u in users:
            await u.client.close()
        for n in everyone:
            n.stop()
        relay.cut()


def main():
    binary, work = sys.argv[1], sys.argv[2]
    multicast = "--multicast" in sys.argv[3:]
    os.makedirs(work, exist_ok=True)
    asyncio.run(run(binary, work, multicast))
    failed = [n for n, ok in results if not ok]
    print(f"overlay: {len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
