#!/usr/bin/python3
"""Federation between real `plexus node` processes, driven by matrix-nio.

Usage: fed_test.py PLEXUS_BINARY WORK_DIR

Starts three nodes on loopback, each with its own server name (hs1.test, hs2.test, hs3.test),
its own data directory and a TLS federation listener with a self-signed certificate; the nodes
find each other through `federation.resolve` overrides (no DNS) and skip certificate checks
(test network). Users on each server then share rooms through real clients: joins of a room
whose only resident is remote, invites across servers, messages both ways in order, state
changes, kicks and bans, knocks (then invite and join, or withdrawal), history from before a
join, and a server that was stopped catching up.
Prints one PASS/FAIL line per step and "N passed, N failed"; exits 1 when any step failed.
Every wait is bounded; every node it started is stopped on exit.
"""
import asyncio
import glob
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from nio import (AsyncClient, AsyncClientConfig, InviteMemberEvent, JoinResponse,
                 KeysUploadResponse, MegolmEvent, PresenceEvent, PresenceSetResponse,
                 ReceiptEvent, RegisterResponse, RoomCreateResponse, RoomGetStateEventResponse,
                 RoomInviteResponse, RoomKickResponse, RoomBanResponse, RoomLeaveResponse,
                 RoomMessagesResponse, RoomMessageText, RoomPutStateResponse, RoomSendResponse,
                 RoomTypingResponse, ToDeviceMessage, ToDeviceEvent, ToDeviceResponse,
                 TypingNoticeEvent)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from plexus_it import Failed, check, free_port  # noqa: E402

STEP_TIMEOUT = 45.0
SERVERS = ["hs1.test", "hs2.test", "hs3.test"]
results = []


class Node:
    """One `plexus node` process with a client port and a federation port."""

    def __init__(self, binary, work, name, fed_ports):
        self.binary, self.name = binary, name
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.client_port = free_port()
        self.fed_port = fed_ports[name]
        self.config = os.path.join(self.dir, "plexus.yaml")
        resolve = ", ".join(f'"{n}=127.0.0.1:{p}"' for n, p in fed_ports.items())
        with open(self.config, "w") as f:
            f.write(f"""global:
  server_name: "{name}"
  data_dir: "{self.dir}/data"
client_api:
  listen: "127.0.0.1:{self.client_port}"
  registration_enabled: true
  rate_limits: {{enabled: false}}
federation:
  listen: "127.0.0.1:{self.fed_port}"
  skip_tls_verify: true
  resolve: [{resolve}]
logging:
  level: "info"
""")
        self.proc = None
        self.log = os.path.join(self.dir, "node.log")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def media_dir(self):
        return os.path.join(self.dir, "data", "media")

    def start(self):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen([self.binary, "node", "--config", self.config],
                                     stdout=logf, stderr=logf)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failed(f"{self.name} exited: see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):
                    return
            except OSError:
                time.sleep(0.02)
        raise Failed(f"{self.name} did not answer within 30 s")

    def stop(self, sig=signal.SIGTERM):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def tail(self, lines=25):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


class ClusterNode:
    """hs1 as the cloud cluster (deploy/local/cluster.sh): every service its own process on
    PostgreSQL and Redis, federation through a federationapi process and sharded senders."""

    def __init__(self, binary, work, name, fed_ports, cluster_sh):
        self.binary, self.name, self.cluster_sh = binary, name, cluster_sh
        self.dir = os.path.join(work, name + "-cluster")
        self.fed_port = fed_ports[name]
        self.resolve = ", ".join(f'"{n}=127.0.0.1:{p}"' for n, p in fed_ports.items())
        self.base_url = None
        self.config = None

    @property
    def url(self):
        return self.base_url

    @property
    def media_dir(self):  # shared by the cluster's processes (cluster.sh: media.media_dir)
        return os.path.join(self.dir, "media")

    def start(self):
        env = dict(os.environ, PLEXUS_BINARY=self.binary, PLEXUS_CLUSTER_SERVER_NAME=self.name,
                   PLEXUS_CLUSTER_FEDERATION_PORT=str(self.fed_port),
                   PLEXUS_CLUSTER_FEDERATION_RESOLVE=self.resolve, PLEXUS_CLUSTER_PROMETHEUS="0")
        r = subprocess.run([self.cluster_sh, "up", self.dir], env=env, capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            raise Failed(f"{self.name} cluster did not start: {r.stderr[-2000:]}")
        self.base_url = r.stdout.strip().splitlines()[-1]
        self.config = os.path.join(self.dir, "conf", "federationapi.yaml")

    def stop(self, sig=signal.SIGTERM):
        subprocess.run([self.cluster_sh, "down", self.dir], timeout=120, capture_output=True)

    def tail(self, lines=25):
        out = []
        for f in sorted(glob.glob(os.path.join(self.dir, "logs", "*.log"))):
            with open(f, errors="replace") as fh:
                out.append(f"[{os.path.basename(f)}]\n" + "".join(fh.readlines()[-lines // 3:]))
        return "".join(out)


async def step(name, coro):
    start = time.monotonic()
    try:
        value = await asyncio.wait_for(coro, STEP_TIMEOUT)
        results.append((name, True))
        print(f"PASS federation: {name} ({(time.monotonic() - start) * 1000:.0f} ms)", flush=True)
        return value if value is not None else True
    except Exception as e:  # noqa: BLE001 - every failure is reported, then the run goes on
        results.append((name, False))
        print(f"FAIL federation: {name}: {type(e).__name__}: {e}", flush=True)
        return None


class User:
    def __init__(self, node, name, store):
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
        self.node, self.name = node, name
        self.client = AsyncClient(node.url, name, store_path=store, config=config)
        self.texts = []  # (room_id, sender, body, was_encrypted) in arrival order
        self.invites = set()
        self.typing = []    # (room_id, [user ids])
        self.receipts = []  # (room_id, event_id, user_id)
        self.presence = {}  # user id -> (presence, status_msg)
        self.to_device = []  # (sender, type, content)
        self.left = set()  # rooms in /sync's "leave" section (nio 0.20 does not track them)
        self.undecryptable = []
        self.client.add_event_callback(self._on_text, (RoomMessageText,))
        self.client.add_event_callback(self._on_invite, (InviteMemberEvent,))
        self.client.add_event_callback(self._on_megolm, (MegolmEvent,))
        self.client.add_ephemeral_callback(self._on_typing, (TypingNoticeEvent,))
        self.client.add_ephemeral_callback(self._on_receipt, (ReceiptEvent,))
        self.client.add_presence_callback(self._on_presence, (PresenceEvent,))
        self.client.add_to_device_callback(self._on_to_device, (ToDeviceEvent,))

    @property
    def id(self):
        return self.client.user_id

    async def _on_text(self, room, event):
        self.texts.append((room.room_id, event.sender, event.body,
                           bool(getattr(event, "decrypted", False))))

    async def _on_megolm(self, room, event):
        self.undecryptable.append((room.room_id, event.session_id))

    async def _on_typing(self, room, event):
        self.typing.append((room.room_id, list(event.users)))

    async def _on_receipt(self, room, event):
        for r in event.receipts:
            self.receipts.append((room.room_id, r.event_id, r.user_id))

    async def _on_presence(self, event):
        self.presence[event.user_id] = (event.presence, event.status_msg)

    async def _on_to_device(self, event):
        self.to_device.append((event.sender, event.source.get("type"),
                               event.source.get("content", {})))

    async def _on_invite(self, room, event):
        if event.state_key == self.client.user_id and event.membership == "invite":
            self.invites.add(room.room_id)

    async def sync_until(self, predicate, what, timeout=STEP_TIMEOUT - 3):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = await self.client.sync(timeout=300, full_state=False)
            check(hasattr(resp, "next_batch"), f"{self.name} /sync failed: {resp}")
            self.left.update(resp.rooms.leave.keys())
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if predicate():
                return
        raise Failed(f"{self.name}: timed out waiting for {what}")

    def bodies(self, room_id):
        return [b for r, _, b, _ in self.texts if r == room_id]

    def members(self, room_id):
        room = self.client.rooms.get(room_id)
        return set(room.users) if room else set()


async def register(user):
    resp = await user.client.register(user.name, "pw-" + user.name, "fed-test")
    check(isinstance(resp, RegisterResponse), f"register {user.name}: {resp}")
    if user.client.should_upload_keys:
        up = await user.client.keys_upload()
        check(isinstance(up, KeysUploadResponse), f"keys upload: {up}")


async def send_text(user, room_id, body):
    resp = await user.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body})
    check(isinstance(resp, RoomSendResponse), f"{user.name} send: {resp}")


async def try_join(user, room_id, via):
    # nio's join() has no server_name parameter: call the v3 endpoint with ?server_name=.
    path = (f"/_matrix/client/v3/join/{urllib.parse.quote(room_id, safe='')}"
            f"?server_name={via}&access_token={user.client.access_token}")
    return await user.client._send(JoinResponse, "POST", path, "{}")


async def join(user, room_id, via):
    resp = await try_join(user, room_id, via)
    check(isinstance(resp, JoinResponse), f"{user.name} join {room_id} via {via}: {resp}")


async def remote_join_and_messages(alice, bob, carol, ctx):
    resp = await alice.client.room_create(name="federated", topic="across three servers")
    check(isinstance(resp, RoomCreateResponse), f"createRoom: {resp}")
    room = resp.room_id
    ctx["room"] = room
    await alice.sync_until(lambda: room in alice.client.rooms, "the new room at alice")
    # Make it public so remote users may join without an invite.
    put = await alice.client.room_put_state(room, "m.room.join_rules", {"join_rule": "public"})
    check(isinstance(put, RoomPutStateResponse), f"join_rules: {put}")
    await send_text(alice, room, "before bob joined")
    await join(bob, room, "hs1.test")
    await bob.sync_until(lambda: room in bob.client.rooms, "the joined room in bob's /sync")
    await alice.sync_until(lambda: bob.id in alice.members(room), "bob's join at alice")
    await join(carol, room, "hs2.test")  # via the other resident server
    await alice.sync_until(lambda: carol.id in alice.members(room), "carol's join at alice")
    await bob.sync_until(lambda: carol.id in bob.members(room), "carol's join at bob")


async def messages_in_order(alice, bob, carol, ctx):
    room = ctx["room"]
    sent = []
    for i in range(5):
        body = f"a{i} {secrets.token_hex(3)}"
        await send_text(alice, room, body)
        sent.append(body)
    reply = "from bob " + secrets.token_hex(3)
    await send_text(bob, room, reply)
    for user in (bob, carol):
        await user.sync_until(lambda u=user: all(b in u.bodies(room) for b in sent),
                              f"alice's messages at {user.name}")
        got = [b for b in user.bodies(room) if b in sent]
        check(got == sent, f"{user.name} saw them out of order: {got}")
    await alice.sync_until(lambda: reply in alice.bodies(room), "bob's reply at alice")
    await carol.sync_until(lambda: reply in carol.bodies(room), "bob's reply at carol")


async def history_before_join(alice, bob, carol, ctx):
    resp = await bob.client.room_messages(ctx["room"], start="", limit=50)
    check(isinstance(resp, RoomMessagesResponse), f"/messages: {resp}")
    seen = [e.body for e in resp.chunk if isinstance(e, RoomMessageText)]
    check("before bob joined" in seen, f"bob's /messages lacks the earlier message: {seen}")


async def state_changes(alice, bob, carol, ctx):
    room = ctx["room"]
    name = "renamed " + secrets.token_hex(3)
    put = await alice.client.room_put_state(room, "m.room.name", {"name": name})
    check(isinstance(put, RoomPutStateResponse), f"rename: {put}")
    topic = "topic " + secrets.token_hex(3)
    put = await alice.client.room_put_state(room, "m.room.topic", {"topic": topic})
    check(isinstance(put, RoomPutStateResponse), f"topic: {put}")
    for user in (bob, carol):
        await user.sync_until(lambda u=user: u.client.rooms[room].name == name
                              and u.client.rooms[room].topic == topic, f"name/topic at {user.name}")
    # Power to bob, then bob (remote) changes the topic: alice's server must accept it.
    levels = await alice.client.room_get_state_event(room, "m.room.power_levels")
    check(isinstance(levels, RoomGetStateEventResponse), f"power levels: {levels}")
    content = dict(levels.content)
    users = dict(content.get("users", {}))
    users[bob.id] = 50
    content["users"] = users
    put = await alice.client.room_put_state(room, "m.room.power_levels", content)
    check(isinstance(put, RoomPutStateResponse), f"power levels: {put}")
    await bob.sync_until(lambda: bob.client.rooms[room].power_levels.get_user_level(bob.id) == 50,
                         "bob's power level at bob")
    topic2 = "bob's topic " + secrets.token_hex(3)
    put = await bob.client.room_put_state(room, "m.room.topic", {"topic": topic2})
    check(isinstance(put, RoomPutStateResponse), f"bob's topic: {put}")
    for user in (alice, carol):
        await user.sync_until(lambda u=user: u.client.rooms[room].topic == topic2,
                              f"bob's topic at {user.name}")


async def server_state(user, room_id, event_type, state_key=""):
    """The server's current state event content (GET /rooms/{id}/state/{type}/{key})."""
    path = (f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id, safe='')}/state/"
            f"{event_type}/{state_key}?access_token={user.client.access_token}")
    resp = await user.client._send(RoomGetStateEventResponse, "GET", path,
                                   response_data=(event_type, state_key, room_id))
    return resp.content if isinstance(resp, RoomGetStateEventResponse) else None


async def conflicting_state(alice, bob, carol, ctx):
    room = ctx["room"]
    # Both servers change the topic at the same moment, each on its own head: the room forks
    # and every server must resolve the fork to the same topic.
    a, b = "conflict a " + secrets.token_hex(3), "conflict b " + secrets.token_hex(3)
    results = await asyncio.gather(
        alice.client.room_put_state(room, "m.room.topic", {"topic": a}),
        bob.client.room_put_state(room, "m.room.topic", {"topic": b}))
    for r in results:
        check(isinstance(r, RoomPutStateResponse), f"topic: {r}")
    deadline = time.monotonic() + STEP_TIMEOUT - 5
    seen = []
    while time.monotonic() < deadline:
        # A message from each side merges the fork (its prev_events name both heads).
        seen = [await server_state(u, room, "m.room.topic") for u in (alice, bob, carol)]
        topics = [s.get("topic") if s else None for s in seen]
        if topics[0] in (a, b) and topics.count(topics[0]) == 3:
            return
        await send_text(alice, room, "merge " + secrets.token_hex(2))
        await asyncio.sleep(0.5)
    raise Failed(f"the servers disagree on the topic: {seen}")


async def new_device_seen_across_servers(alice, bob, carol, ctx, store):
    # Bob logs in on a second device and uploads its keys; alice (another server, sharing rooms
    # with bob) learns of it through a device-list update and /keys/query over federation.
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
    second = AsyncClient(bob.node.url, bob.name, store_path=store, config=config)
    try:
        login = await second.login("pw-" + bob.name, device_name="second")
        check(hasattr(login, "device_id"), f"login: {login}")
        if second.should_upload_keys:
            up = await second.keys_upload()
            check(isinstance(up, KeysUploadResponse), f"keys upload: {up}")
        await alice.sync_until(
            lambda: any(d.id == second.device_id
                        for d in alice.client.device_store.active_user_devices(bob.id)),
            "bob's new device at alice")
    finally:
        await second.close()


async def invite_across_servers(alice, bob, carol, ctx):
    resp = await alice.client.room_create(name="private", invite=[bob.id])
    check(isinstance(resp, RoomCreateResponse), f"createRoom with a remote invite: {resp}")
    room = resp.room_id
    await bob.sync_until(lambda: room in bob.invites or room in bob.client.invited_rooms,
                         "the invite at bob")
    joined = await bob.client.join(room)
    check(isinstance(joined, JoinResponse), f"bob accepts: {joined}")
    await alice.sync_until(lambda: bob.id in alice.members(room), "bob's join at alice")
    await bob.sync_until(lambda: room in bob.client.rooms, "the joined room at bob")
    secret = "private " + secrets.token_hex(3)
    await send_text(bob, room, secret)
    await alice.sync_until(lambda: secret in alice.bodies(room), "bob's message in the private room")
    # Carol was never invited: an invite-only room refuses her.
    refused = await try_join(carol, room, "hs1.test")
    check(not isinstance(refused, JoinResponse), "carol joined an invite-only room uninvited")


async def knock(user, room_id, via):
    # nio 0.20 has no room_knock: POST /knock/{roomId}?via= (answer {"room_id"}, like /join).
    path = (f"/_matrix/client/v3/knock/{urllib.parse.quote(room_id, safe='')}"
            f"?via={via}&access_token={user.client.access_token}")
    resp = await user.client._send(JoinResponse, "POST", path, '{"reason": "let me in"}')
    check(isinstance(resp, JoinResponse), f"{user.name} knock {room_id} via {via}: {resp}")


def raw_sync(user):
    """One initial /sync as raw JSON (nio 0.20 does not expose rooms.knock)."""
    req = urllib.request.Request(f"{user.node.url}/_matrix/client/v3/sync?timeout=0",
                                 headers={"Authorization": f"Bearer {user.client.access_token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


async def wait_for_membership(user, room_id, target, membership, what):
    deadline = time.monotonic() + STEP_TIMEOUT - 5
    content = None
    while time.monotonic() < deadline:
        content = await server_state(user, room_id, "m.room.member", target)
        if content and content.get("membership") == membership:
            return content
        await asyncio.sleep(0.2)
    raise Failed(f"{what}: {content}")


async def knock_across_servers(alice, bob, carol, ctx):
    initial_state = [{"type": "m.room.join_rules", "state_key": "",
                      "content": {"join_rule": "knock"}}]
    resp = await alice.client.room_create(name="knock knock", initial_state=initial_state)
    check(isinstance(resp, RoomCreateResponse), f"createRoom: {resp}")
    room = resp.room_id
    await alice.sync_until(lambda: room in alice.client.rooms, "the knock room at alice")
    await knock(bob, room, "hs1.test")
    content = await wait_for_membership(alice, room, bob.id, "knock", "bob's knock at alice")
    check(content.get("reason") == "let me in", f"the knock's reason: {content}")
    # Bob's own /sync lists the room under rooms.knock with the stripped state hs1 answered.
    # (hs2 stores the knock hs1 accepted on its own time: alice may see it first; poll.)
    deadline = time.monotonic() + 15
    while True:
        sync = await asyncio.to_thread(raw_sync, bob)
        knocked = sync.get("rooms", {}).get("knock", {}).get(room)
        if knocked is not None or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    check(knocked is not None, f"the room is not in bob's rooms.knock: {sync.get('rooms')}")
    types = {e.get("type") for e in knocked.get("knock_state", {}).get("events", [])}
    check({"m.room.join_rules", "m.room.member"} <= types, f"bob's knock_state: {types}")
    # Alice lets him in; he joins through the invite and talks.
    invited = await alice.client.room_invite(room, bob.id)
    check(isinstance(invited, RoomInviteResponse), f"invite: {invited}")
    await bob.sync_until(lambda: room in bob.invites or room in bob.client.invited_rooms,
                         "the invite after the knock at bob")
    joined = await bob.client.join(room)
    check(isinstance(joined, JoinResponse), f"bob joins after knocking: {joined}")
    await alice.sync_until(lambda: bob.id in alice.members(room), "bob's join at alice")
    await bob.sync_until(lambda: room in bob.client.rooms, "the joined room at bob")
    hello = "knocked and in " + secrets.token_hex(3)
    await send_text(bob, room, hello)
    await alice.sync_until(lambda: hello in alice.bodies(room), "bob's message after knocking")
    # Carol knocks and thinks better of it: the withdrawal (POST /leave) reaches hs1.
    await knock(carol, room, "hs1.test")
    await wait_for_membership(alice, room, carol.id, "knock", "carol's knock at alice")
    path = (f"/_matrix/client/v3/rooms/{urllib.parse.quote(room, safe='')}/leave"
            f"?access_token={carol.client.access_token}")
    left = await carol.client._send(RoomLeaveResponse, "POST", path, "{}")
    check(isinstance(left, RoomLeaveResponse), f"carol withdraws her knock: {left}")
    await wait_for_membership(alice, room, carol.id, "leave", "carol's withdrawal at alice")
    await carol.sync_until(lambda: room in carol.left, "the withdrawn knock in carol's leave")


async def ephemeral_across_servers(alice, bob, carol, ctx):
    room = ctx["room"]
    typed = await alice.client.room_typing(room, True, 20000)
    check(isinstance(typed, RoomTypingResponse), f"typing: {typed}")
    await bob.sync_until(lambda: any(r == room and alice.id in users for r, users in bob.typing),
                         "alice typing at bob")
    await carol.sync_until(lambda: any(r == room and alice.id in users for r, users in carol.typing),
                           "alice typing at carol")
    body = "read me " + secrets.token_hex(3)
    sent = await alice.client.room_send(room, "m.room.message", {"msgtype": "m.text", "body": body})
    check(isinstance(sent, RoomSendResponse), f"send: {sent}")
    await bob.sync_until(lambda: body in bob.bodies(room), "the message to mark read")
    await bob.client.update_receipt_marker(room, sent.event_id)
    await alice.sync_until(lambda: (room, sent.event_id, bob.id) in alice.receipts,
                           "bob's read receipt at alice")
    status = "fed " + secrets.token_hex(3)
    pres = await alice.client.set_presence("online", status)
    check(isinstance(pres, PresenceSetResponse), f"presence: {pres}")
    await bob.sync_until(lambda: bob.presence.get(alice.id) == ("online", status),
                         "alice's presence at bob")


async def to_device_across_servers(alice, bob, carol, ctx):
    # nio 0.20 drops to-device types it does not know; a verification cancel for a transaction
    # that does not exist is harmless and arrives as an event.
    nonce = secrets.token_hex(6)
    message = ToDeviceMessage("m.key.verification.cancel", bob.id, bob.client.device_id,
                              {"transaction_id": nonce, "code": "m.user", "reason": "test"})
    resp = await alice.client.to_device(message)
    check(isinstance(resp, ToDeviceResponse), f"to-device: {resp}")
    await bob.sync_until(lambda: any(s == alice.id and c.get("transaction_id") == nonce
                                     for s, _, c in bob.to_device), "the to-device message at bob")


async def megolm_across_servers(alice, bob, carol, ctx):
    initial_state = [{"type": "m.room.encryption", "state_key": "",
                      "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]
    resp = await alice.client.room_create(name="encrypted", invite=[bob.id],
                                          initial_state=initial_state)
    check(isinstance(resp, RoomCreateResponse), f"createRoom: {resp}")
    room = resp.room_id
    await bob.sync_until(lambda: room in bob.invites or room in bob.client.invited_rooms,
                         "the encrypted room's invite at bob")
    joined = await bob.client.join(room)
    check(isinstance(joined, JoinResponse), f"bob joins: {joined}")
    await alice.sync_until(lambda: bob.id in alice.members(room), "bob's join at alice")
    if not alice.client.rooms[room].members_synced:
        members = await alice.client.joined_members(room)
        check(hasattr(members, "members"), f"joined_members: {members}")
    await alice.sync_until(
        lambda: not alice.client.should_query_keys and any(
            d.id == bob.client.device_id
            for d in alice.client.device_store.active_user_devices(bob.id)),
        "bob's device keys at alice (/keys/query over federation)")
    secret = "megolm " + secrets.token_hex(8)
    sent = await alice.client.room_send(room, "m.room.message", {"msgtype": "m.text", "body": secret},
                                        ignore_unverified_devices=True)
    check(isinstance(sent, RoomSendResponse), f"encrypted send: {sent}")
    await bob.sync_until(lambda: secret in bob.bodies(room), "bob decrypting alice's message")
    check(any(b == secret and enc for _, _, b, enc in bob.texts), "it arrived unencrypted")


def tiny_png(width, height):
    """A valid RGB PNG with a colour gradient, built without an imaging library."""
    import struct
    import zlib
    rows = b"".join(b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128))
                                       for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def http_call(method, url, token=None, body=None, content_type=None):
    """(status, headers, body) of one request; error statuses are answers, not exceptions."""
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.request.HTTPError as e:
        return e.code, e.headers, e.read()


async def media_across_servers(alice, bob, carol, ctx):
    # Bob (hs2) uploads an image and posts it in the shared room; alice (hs1) downloads it from
    # her own server, which fetches it from hs2 over federation once and then serves its cache.
    import hashlib
    room = ctx["room"]
    png = tiny_png(64, 48)
    status, _, body = await asyncio.to_thread(
        http_call, "POST", f"{bob.node.url}/_matrix/media/v3/upload?filename=cat.png",
        bob.client.access_token, png, "image/png")
    check(status == 200, f"upload on hs2: {status} {body[:200]}")
    uri = json.loads(body)["content_uri"]
    check(uri.startswith("mxc://hs2.test/"), f"content_uri: {uri}")
    media_id = uri.rsplit("/", 1)[1]
    sent = await bob.client.room_send(room, "m.room.message", {
        "msgtype": "m.image", "body": "cat.png", "url": uri,
        "info": {"mimetype": "image/png", "size": len(png), "w": 64, "h": 48}})
    check(isinstance(sent, RoomSendResponse), f"send m.image: {sent}")
    event_url = (f"{alice.node.url}/_matrix/client/v3/rooms/{urllib.parse.quote(room, safe='')}"
                 f"/event/{urllib.parse.quote(sent.event_id, safe='')}")
    deadline = time.monotonic() + STEP_TIMEOUT - 15
    while True:
        status, _, body = await asyncio.to_thread(http_call, "GET", event_url,
                                                  alice.client.access_token)
        if status == 200 and json.loads(body).get("content", {}).get("url") == uri:
            break
        check(time.monotonic() < deadline, f"the m.image at hs1: {status} {body[:200]}")
        await asyncio.sleep(0.2)

    download = f"{alice.node.url}/_matrix/client/v1/media/download/hs2.test/{media_id}"
    for attempt in ("first (fetched over federation)", "second (from hs1's cache)"):
        status, headers, body = await asyncio.to_thread(http_call, "GET", download,
                                                        alice.client.access_token)
        check(status == 200, f"{attempt} download at hs1: {status} {body[:200]}")
        check(body == png, f"{attempt} download: {len(body)} bytes differ from the upload")
        check(headers.get("Content-Type") == "image/png",
              f"{attempt} Content-Type: {headers.get('Content-Type')}")
    sha = hashlib.sha256(png).hexdigest()
    cached = os.path.join(alice.node.media_dir, "content", sha[:2], sha[2:4], sha)
    check(os.path.exists(cached), f"hs1 has no cached copy at {cached}")
    # A thumbnail of the remote image, rendered by hs1 from its cached original.
    status, headers, body = await asyncio.to_thread(
        http_call, "GET", f"{alice.node.url}/_matrix/client/v1/media/thumbnail/hs2.test/"
        f"{media_id}?width=32&height=32&method=crop", alice.client.access_token)
    check(status == 200 and body.startswith(b"\x89PNG") and body != png,
          f"thumbnail at hs1: {status} {headers.get('Content-Type')} {len(body)} bytes")
    # Unknown remote media stays 404; allow_remote=false does not fetch; no token, no media.
    status, _, body = await asyncio.to_thread(
        http_call, "GET", f"{alice.node.url}/_matrix/client/v1/media/download/hs2.test/"
        f"missing{secrets.token_hex(4)}", alice.client.access_token)
    check(status == 404 and b"M_NOT_FOUND" in body, f"unknown remote media: {status} {body}")
    status, _, _ = await asyncio.to_thread(
        http_call, "GET", f"{carol.node.url}/_matrix/media/v3/download/hs2.test/{media_id}"
        "?allow_remote=false")
    check(status == 404, f"allow_remote=false at hs3 (not cached there): {status}")
    status, _, _ = await asyncio.to_thread(http_call, "GET", download)
    check(status == 401, f"authenticated download without a token: {status}")


async def kick_ban_rejoin(alice, bob, carol, ctx):
    room = ctx["room"]
    kicked = await alice.client.room_kick(room, carol.id, "test kick")
    check(isinstance(kicked, RoomKickResponse), f"kick: {kicked}")
    await carol.sync_until(lambda: room in carol.left, "carol's kick at carol")
    await bob.sync_until(lambda: carol.id not in bob.members(room), "carol's kick at bob")
    carol.left.discard(room)
    await join(carol, room, "hs1.test")
    await alice.sync_until(lambda: carol.id in alice.members(room), "carol's rejoin at alice")
    banned = await alice.client.room_ban(room, carol.id, "test ban")
    check(isinstance(banned, RoomBanResponse), f"ban: {banned}")
    await bob.sync_until(lambda: carol.id not in bob.members(room), "carol's ban at bob")
    # Her own server must have the ban too: until then it still counts her in the room and would
    # answer a join at once, without asking hs1.
    await carol.sync_until(lambda: room in carol.left, "carol's ban at carol")
    refused = await try_join(carol, room, "hs1.test")
    check(not isinstance(refused, JoinResponse), "a banned user rejoined")


async def catch_up_after_downtime(alice, bob, carol, ctx, nodes):
    room = ctx["room"]
    hs2 = nodes["hs2.test"]
    hs2.stop()
    sent = []
    for i in range(8):
        body = f"while hs2 was down {i} {secrets.token_hex(3)}"
        await send_text(alice, room, body)
        sent.append(body)
    await asyncio.sleep(1.0)
    hs2.start()
    await bob.sync_until(lambda: all(b in bob.bodies(room) for b in sent),
                         "the messages sent while hs2 was down", timeout=STEP_TIMEOUT - 5)
    got = [b for b in bob.bodies(room) if b in sent]
    check(got == sent, f"out of order after catch-up: {got}")


def server_keys(node):
    """GET /_matrix/key/v2/server from a node's federation listener (its self-signed TLS)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    url = f"https://127.0.0.1:{node.fed_port}/_matrix/key/v2/server"
    with urllib.request.urlopen(url, timeout=10, context=context) as resp:
        return json.loads(resp.read())


async def signing_key_rotation(alice, bob, carol, ctx, nodes):
    """hs2 rotates its signing key while stopped; hs1 fetches the new key and takes hs2's events
    and requests signed with it, and hs2 still publishes the old one (carol, banned by now, is
    left out)."""
    room = ctx["room"]
    hs2 = nodes["hs2.test"]
    old_keys = set(server_keys(hs2)["verify_keys"])
    hs2.stop()
    rotated = await asyncio.to_thread(
        subprocess.run, [hs2.binary, "rotate-signing-key", "--config", hs2.config],
        capture_output=True, text=True, timeout=30)
    check(rotated.returncode == 0, f"rotate-signing-key: {rotated.stderr}")
    hs2.start()
    keys = server_keys(hs2)
    new_keys = set(keys["verify_keys"])
    check(len(new_keys) == 1 and not (new_keys & old_keys), f"verify_keys after rotation: {keys}")
    check(old_keys <= set(keys.get("old_verify_keys", {})), f"old key not published: {keys}")
    body = f"signed with the new key {secrets.token_hex(3)}"
    await send_text(bob, room, body)
    await alice.sync_until(lambda: body in alice.bodies(room), "hs2's new-key event at hs1")
    reply = f"answer after the rotation {secrets.token_hex(3)}"
    await send_text(alice, room, reply)
    await bob.sync_until(lambda: reply in bob.bodies(room), "hs1's event at the rotated hs2")

async def main(binary, work):
    fed_ports = {name: free_port() for name in SERVERS}
    nodes = {name: Node(binary, work, name, fed_ports) for name in SERVERS}
    cluster_sh = os.environ.get("PLEXUS_FED_CLUSTER")
    if cluster_sh:  # hs1 is a whole cluster instead of one node process
        nodes["hs1.test"] = ClusterNode(binary, work, "hs1.test", fed_ports, cluster_sh)
    users = []
    try:
        for node in nodes.values():
            await step(f"{node.name} starts", asyncio.to_thread(node.start))
        if not all(ok for _, ok in results):
            return
        suffix = secrets.token_hex(3)
        stores = [tempfile.mkdtemp(dir=work) for _ in range(3)]
        alice = User(nodes["hs1.test"], f"alice{suffix}", stores[0])
        bob = User(nodes["hs2.test"], f"bob{suffix}", stores[1])
        carol = User(nodes["hs3.test"], f"carol{suffix}", stores[2])
        users = [alice, bob, carol]
        for u in users:
            await step(f"register {u.name} on {u.node.name}", register(u))
        if not all(ok for _, ok in results):
            return
        ctx = {}
        ok = await step("join a room whose only resident is remote, then via a second server",
                        remote_join_and_messages(alice, bob, carol, ctx))
        if ok:
            await step("messages both ways, in order, on all three servers",
                       messages_in_order(alice, bob, carol, ctx))
            await step("history from before the join (/messages)",
                       history_before_join(alice, bob, carol, ctx))
            await step("name, topic and power-level changes across servers",
                       state_changes(alice, bob, carol, ctx))
            await step("concurrent conflicting state on two servers resolves the same everywhere",
                       conflicting_state(alice, bob, carol, ctx))
        await step("invite a remote user, invite-only refuses others",
                   invite_across_servers(alice, bob, carol, ctx))
        await step("knock on a remote room, be invited, join and talk; withdraw a knock",
                   knock_across_servers(alice, bob, carol, ctx))
        if ok:
            await step("typing, read receipts and presence across servers",
                       ephemeral_across_servers(alice, bob, carol, ctx))
        await step("to-device message to a user on another server",
                   to_device_across_servers(alice, bob, carol, ctx))
        await step("Megolm round trip between users on different servers",
                   megolm_across_servers(alice, bob, carol, ctx))
        await step("a new device of a remote user reaches /keys/query (device-list update)",
                   new_device_seen_across_servers(alice, bob, carol, ctx,
                                                  tempfile.mkdtemp(dir=work)))
        if ok:
            await step("an image uploaded on hs2 downloads through hs1 (fetched once, cached)",
                       media_across_servers(alice, bob, carol, ctx))
        if ok:
            await step("kick, rejoin and ban across servers", kick_ban_rejoin(alice, bob, carol, ctx))
            await step("a stopped server catches up with nothing lost",
                       catch_up_after_downtime(alice, bob, carol, ctx, nodes))
            await step("a server rotates its signing key; the others take its new signatures",
                       signing_key_rotation(alice, bob, carol, ctx, nodes))
    finally:
        for u in users:
            await u.client.close()
        for node in nodes.values():
            node.stop()
        if any(not ok for _, ok in results):
            for node in nodes.values():
                print(f"-- {node.name} log (last lines):\n{node.tail()}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    asyncio.run(main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"federation: {passed} passed, {failed} failed", flush=True)
    sys.exit(0 if failed == 0 and passed > 0 else 1)
