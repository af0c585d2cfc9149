#!/usr/bin/python3
"""matrix-nio (Debian python3-matrix-nio 0.20, python3-olm) against a running Plexus node.

Usage: nio_test.py HOMESERVER_URL

Two users register (nio's r0 paths, query-string token, dummy auth), one creates a room and
invites the other, both exchange messages seen through /sync and /messages, a display name is
set and read back, an image is uploaded, sent as m.image, downloaded and thumbnailed (r0
media paths), and a Megolm round trip runs in an encrypted room (keys upload, query and
claim, to-device room keys, decryption by the other user). Prints one PASS/FAIL line per step
and "N passed, N failed"; exits 1 when any step failed. Every wait is bounded.
"""
import asyncio
import os
import secrets
import struct
import sys
import tempfile
import time
import zlib

from nio import (AsyncClient, AsyncClientConfig, DownloadError, DownloadResponse,
                 InviteMemberEvent, JoinResponse, KeysUploadResponse, MegolmEvent, RegisterResponse,
                 RoomCreateResponse, RoomMessagesResponse, RoomMessageText, RoomSendResponse,
                 ThumbnailResponse, UploadResponse)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from plexus_it import Failed, check  # noqa: E402

STEP_TIMEOUT = 30.0
results = []


async def step(name, coro):
    start = time.monotonic()
    try:
        value = await asyncio.wait_for(coro, STEP_TIMEOUT)
        results.append((name, True))
        print(f"PASS nio: {name} ({(time.monotonic() - start) * 1000:.0f} ms)", flush=True)
        return value
    except Exception as e:  # noqa: BLE001 - every failure is reported, then the run goes on
        results.append((name, False))
        print(f"FAIL nio: {name}: {type(e).__name__}: {e}", flush=True)
        return None


class User:
    def __init__(self, homeserver, name, store):
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
        self.name = name
        self.client = AsyncClient(homeserver, name, store_path=store, config=config)
        self.texts = []  # (room_id, body, was_encrypted)
        self.invites = set()
        self.client.add_event_callback(self._on_text, (RoomMessageText,))
        self.client.add_event_callback(self._on_invite, (InviteMemberEvent,))
        self.undecryptable = []
        self.client.add_event_callback(self._on_megolm, (MegolmEvent,))

    async def _on_text(self, room, event):
        self.texts.append((room.room_id, event.body, bool(getattr(event, "decrypted", False))))

    async def _on_invite(self, room, event):
        if event.state_key == self.client.user_id and event.membership == "invite":
            self.invites.add(room.room_id)

    async def _on_megolm(self, room, event):
        self.undecryptable.append((room.room_id, event.session_id))

    async def sync_until(self, predicate, what, timeout=STEP_TIMEOUT - 2):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = await self.client.sync(timeout=500, full_state=False)
            check(hasattr(resp, "next_batch"), f"{self.name} /sync failed: {resp}")
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if predicate():
                return
        raise Failed(f"{self.name}: timed out waiting for {what}")


async def register(user, password):
    resp = await user.client.register(user.name, password, "nio-test")
    check(isinstance(resp, RegisterResponse), f"register {user.name}: {resp}")
    check(user.client.access_token, "no access token after register")
    check(user.client.user_id.startswith("@" + user.name + ":"), f"user id {user.client.user_id}")
    if user.client.should_upload_keys:
        up = await user.client.keys_upload()
        check(isinstance(up, KeysUploadResponse), f"keys upload: {up}")


async def set_display_name(alice):
    resp = await alice.client.set_displayname("Alice Tester")
    check(type(resp).__name__.endswith("Response"), f"set displayname: {resp}")
    got = await alice.client.get_displayname()
    check(getattr(got, "displayname", None) == "Alice Tester", f"get displayname: {got}")


async def create_and_join(alice, bob, encrypted):
    initial_state = []
    if encrypted:
        initial_state = [{"type": "m.room.encryption", "state_key": "",
                          "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]
    resp = await alice.client.room_create(name="nio test", invite=[bob.client.user_id],
                                          initial_state=initial_state)
    check(isinstance(resp, RoomCreateResponse), f"createRoom: {resp}")
    room_id = resp.room_id
    await bob.sync_until(lambda: room_id in bob.invites or room_id in bob.client.invited_rooms,
                         "the invite")
    joined = await bob.client.join(room_id)
    check(isinstance(joined, JoinResponse), f"join: {joined}")
    await alice.sync_until(
        lambda: room_id in alice.client.rooms
        and bob.client.user_id in alice.client.rooms[room_id].users, "bob's join")
    return room_id


async def exchange_messages(alice, bob, room_id, count):
    bodies = [f"hello {i} {secrets.token_hex(4)}" for i in range(count)]
    for body in bodies:
        resp = await alice.client.room_send(room_id, "m.room.message",
                                            {"msgtype": "m.text", "body": body})
        check(isinstance(resp, RoomSendResponse), f"send: {resp}")
    await bob.sync_until(
        lambda: all(any(r == room_id and b == body for r, b, _ in bob.texts) for body in bodies),
        "the messages in bob's /sync")
    reply = "reply " + secrets.token_hex(4)
    resp = await bob.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": reply})
    check(isinstance(resp, RoomSendResponse), f"bob send: {resp}")
    await alice.sync_until(lambda: any(b == reply for _, b, _ in alice.texts), "bob's reply")
    return bodies


async def read_history(bob, room_id, bodies):
    resp = await bob.client.room_messages(room_id, start="", limit=50)
    check(isinstance(resp, RoomMessagesResponse), f"/messages: {resp}")
    seen = {e.body for e in resp.chunk if isinstance(e, RoomMessageText)}
    check(all(b in seen for b in bodies), f"/messages lacks messages: saw {sorted(seen)}")


def tiny_png(width, height):
    """A valid RGB PNG of width x height (a gradient), built with zlib alone."""
    rows = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(width) for _ in range(3))
                    for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


async def media_round_trip(alice, bob, room_id):
    png = tiny_png(64, 48)
    resp, _ = await alice.client.upload(lambda *_: png, content_type="image/png",
                                        filename="gradient.png", filesize=len(png))
    check(isinstance(resp, UploadResponse), f"upload: {resp}")
    check(resp.content_uri.startswith("mxc://"), f"content_uri {resp.content_uri}")
    sent = await alice.client.room_send(room_id, "m.room.message", {
        "msgtype": "m.image", "body": "gradient.png", "url": resp.content_uri,
        "info": {"mimetype": "image/png", "size": len(png), "w": 64, "h": 48}})
    check(isinstance(sent, RoomSendResponse), f"send m.image: {sent}")
    server, media_id = resp.content_uri[len("mxc://"):].split("/", 1)
    got = await bob.client.download(server_name=server, media_id=media_id)
    check(isinstance(got, DownloadResponse), f"download: {got}")
    check(got.body == png, "downloaded bytes differ from the upload")
    check(got.content_type.startswith("image/png"), f"content type {got.content_type}")
    thumb = await bob.client.thumbnail(server, media_id, 32, 32)
    check(isinstance(thumb, ThumbnailResponse), f"thumbnail: {thumb}")
    check(thumb.body[:8] == b"\x89PNG\r\n\x1a\n" or thumb.body[:2] == b"\xff\xd8",
          "the thumbnail is not an image")
    missing = await bob.client.download(server_name=server, media_id="doesnotexist")
    check(isinstance(missing, DownloadError), f"unknown media: {missing}")


async def megolm_round_trip(alice, bob, room_id):
    secret = "secret " + secrets.token_hex(8)
    # Alice needs bob's device keys before she can share the room key with him.
    await alice.sync_until(lambda: not alice.client.should_query_keys, "the key query")
    # nio refuses to encrypt until the member list is complete (GET /joined_members).
    if not alice.client.rooms[room_id].members_synced:
        members = await alice.client.joined_members(room_id)
        check(hasattr(members, "members"), f"joined_members: {members}")
    await alice.sync_until(lambda: not alice.client.should_query_keys, "the key query")
    devices = alice.client.device_store.active_user_devices(bob.client.user_id)
    check(any(d.id == bob.client.device_id for d in devices),
          "alice does not know bob's device after /keys/query")
    resp = await alice.client.room_send(room_id, "m.room.message",
                                        {"msgtype": "m.text", "body": secret},
                                        ignore_unverified_devices=True)
    check(isinstance(resp, RoomSendResponse), f"encrypted send: {resp}")
    await bob.sync_until(lambda: any(b == secret for _, b, _ in bob.texts),
                         "bob decrypting the Megolm message")
    enc = [e for r, b, e in bob.texts if b == secret]
    check(enc and enc[0], "the message reached bob unencrypted")


async def main(homeserver):
    suffix = secrets.token_hex(3)
    with tempfile.TemporaryDirectory() as store_a, tempfile.TemporaryDirectory() as store_b:
        alice = User(homeserver, f"alice{suffix}", store_a)
        bob = User(homeserver, f"bob{suffix}", store_b)
        try:
            await step("register alice (r0, dummy auth)", register(alice, "alice-password"))
            await step("register bob", register(bob, "bob-password"))
            if not all(ok for _, ok in results):
                return
            await step("set and read display name", set_display_name(alice))
            room = await step("create room, invite, join", create_and_join(alice, bob, False))
            if room:
                bodies = await step("messages seen via /sync", exchange_messages(alice, bob, room, 3))
                if bodies:
                    await step("messages seen via /messages", read_history(bob, room, bodies))
                await step("media upload, m.image, download and thumbnail (r0 media paths)",
                           media_round_trip(alice, bob, room))
            enc_room = await step("create encrypted room, invite, join",
                                  create_and_join(alice, bob, True))
            if enc_room:
                await step("Megolm round trip (keys upload/query/claim, to-device)",
                           megolm_round_trip(alice, bob, enc_room))
        finally:
            await alice.client.close()
            await bob.client.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    asyncio.run(main(sys.argv[1]))
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"nio: {passed} passed, {failed} failed", flush=True)
    sys.exit(0 if failed == 0 and passed > 0 else 1)
