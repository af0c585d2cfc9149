// matrix-js-sdk (npm) against a running Plexus node, through the SDK's own sync loop.
//
// Usage: node js_sdk_test.mjs HOMESERVER_URL USER1 PASSWORD1 USER2 PASSWORD2
//
// Both users log in with their passwords (the accounts exist already: run.sh makes them with
// `plexus create-account`), start the SDK's sync loop (startClient) and wait for PREPARED. The
// first creates a room and invites the second, who joins when the invite arrives through the
// sync loop; messages sent by one appear in both timelines through RoomEvent.Timeline events.
// Prints one PASS/FAIL line per step and "N passed, N failed"; exits 1 when a step failed.
// Every wait is bounded.
import { ClientEvent, createClient, Preset, RoomEvent, RoomMemberEvent } from 'matrix-js-sdk';
import { logger } from 'matrix-js-sdk/lib/logger.js';

const STEP_TIMEOUT_MS = 30000;
const results = [];
logger.setLevel('warn');

function withTimeout(promise, what, ms = STEP_TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function step(name, fn) {
  const start = Date.now();
  try {
    const value = await withTimeout(fn(), name);
    results.push([name, true]);
    console.log(`PASS js-sdk: ${name} (${Date.now() - start} ms)`);
    return value;
  } catch (e) {
    results.push([name, false]);
    console.log(`FAIL js-sdk: ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
    return undefined;
  }
}

// Resolves when `predicate()` holds, re-checking on every `event` the emitter fires.
function waitFor(emitter, events, predicate, what) {
  return withTimeout(new Promise((resolve) => {
    const check = () => {
      if (predicate()) {
        for (const e of events) emitter.off(e, check);
        resolve();
      }
    };
    for (const e of events) emitter.on(e, check);
    check();
  }), what);
}

async function login(baseUrl, user, password) {
  const bootstrap = createClient({ baseUrl });
  const resp = await bootstrap.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
    initial_device_display_name: 'js-sdk test',
  });
  if (!resp.access_token) throw new Error(`login gave no token: ${JSON.stringify(resp)}`);
  return createClient({
    baseUrl, accessToken: resp.access_token, userId: resp.user_id, deviceId: resp.device_id,
  });
}

async function startSync(client) {
  const prepared = waitFor(client, [ClientEvent.Sync], () => client.getSyncState() === 'PREPARED'
    || client.getSyncState() === 'SYNCING', 'the first sync');
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true });
  await prepared;
}

function timelineBodies(client, roomId) {
  const room = client.getRoom(roomId);
  if (!room) return [];
  return room.getLiveTimeline().getEvents()
    .filter((e) => e.getType() === 'm.room.message' && e.getId() && !e.getId().startsWith('~'))
    .map((e) => e.getContent().body);
}

async function main() {
  const [baseUrl, user1, pass1, user2, pass2] = process.argv.slice(2);
  if (!pass2) {
    console.error('usage: node js_sdk_test.mjs HOMESERVER_URL USER1 PASSWORD1 USER2 PASSWORD2');
    process.exit(2);
  }
  const alice = await step('login user 1', () => login(baseUrl, user1, pass1));
  const bob = await step('login user 2', () => login(baseUrl, user2, pass2));
  if (!alice || !bob) return;
  try {
    const synced = await step('startClient reaches PREPARED (both)',
      () => Promise.all([startSync(alice), startSync(bob)]));
    if (!synced) return;

    const roomId = await step('create room with invite', async () => {
      const resp = await alice.createRoom({
        name: `js-sdk ${Date.now()}`, preset: Preset.PrivateChat, invite: [bob.getUserId()],
      });
      return resp.room_id;
    });
    if (!roomId) return;

    await step('invite arrives through the sync loop; join', async () => {
      await waitFor(bob, [RoomEvent.MyMembership, ClientEvent.Room],
        () => bob.getRoom(roomId)?.getMyMembership() === 'invite', 'the invite');
      await bob.joinRoom(roomId);
      await waitFor(alice, [RoomMemberEvent.Membership, RoomEvent.Timeline],
        () => alice.getRoom(roomId)?.getMember(bob.getUserId())?.membership === 'join',
        "bob's join in alice's room state");
    });

    const bodies = Array.from({ length: 5 }, (_, i) => `js message ${i} ${Math.random().toString(16).slice(2, 8)}`);
    await step('messages appear in both timelines via events', async () => {
      for (const body of bodies) {
        const resp = await alice.sendMessage(roomId, { msgtype: 'm.text', body });
        if (!resp.event_id) throw new Error(`send gave no event_id: ${JSON.stringify(resp)}`);
      }
      const all = (client) => () => bodies.every((b) => timelineBodies(client, roomId).includes(b));
      await Promise.all([
        waitFor(alice, [RoomEvent.Timeline, RoomEvent.LocalEchoUpdated], all(alice), "alice's own messages"),
        waitFor(bob, [RoomEvent.Timeline], all(bob), "the messages in bob's timeline"),
      ]);
    });

    await step('reply reaches the sender', async () => {
      const reply = `reply ${Date.now()}`;
      await bob.sendMessage(roomId, { msgtype: 'm.text', body: reply });
      await waitFor(alice, [RoomEvent.Timeline], () => timelineBodies(alice, roomId).includes(reply), 'the reply');
    });

    await step('display name change reaches the other client', async () => {
      await alice.setDisplayName('Alice JS');
      await waitFor(bob, [RoomMemberEvent.Name, RoomEvent.Timeline],
        () => bob.getRoom(roomId)?.getMember(alice.getUserId())?.name === 'Alice JS', 'the new display name');
    });
  } finally {
    alice.stopClient();
    bob.stopClient();
  }
}

main().catch((e) => { results.push(['main', false]); console.log(`FAIL js-sdk: ${e}`); })
  .finally(() => {
    const passed = results.filter(([, ok]) => ok).length;
    console.log(`js-sdk: ${passed} passed, ${results.length - passed} failed`);
    process.exit(passed > 0 && passed === results.length ? 0 : 1);
  });
