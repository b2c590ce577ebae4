// The real hub against the document: every frame it sends on real sockets validates against
// the message schemas, the client frames it accepts are exactly those the schemas accept, and
// its handshake refusals and close codes are the documented ones.
//
// The hub binary is HUB_BIN (default ../../target/debug/hub from clients/protocol); if it does
// not exist every test here fails, saying so.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { formatErrors, loadProtocol } from "../src/index.js";
import { existsSync } from "node:fs";

import { HUB_BIN, Hub, Socket } from "./hub.js";

let protocol;
let hub;
const opened = [];

/** Asserts a server frame matches the document's schema for its type; returns it. */
function valid(frame, where = "") {
  const result = protocol.validateServerFrame(frame);
  assert.ok(result.ok, `${where} the hub sent a frame the document does not allow: ${JSON.stringify(frame)}\n${formatErrors(result.errors)}`);
  return frame;
}

async function open(query, options = {}) {
  const socket = await Socket.open(hub.url(query, options.path), options);
  opened.push(socket);
  return socket;
}

/** A socket for `user` that has joined its session (so publishes reach it). */
async function connect(user, query = {}) {
  const socket = await open({ token: hub.token(user), ...query }, { label: user });
  valid(await socket.joined(), "join");
  return socket;
}

/** The documented close code entry, asserting the reason text is exactly the one sent. */
function documentedClose({ code, reason }) {
  const entry = protocol.closeCodes.find((c) => c.code === code);
  assert.ok(entry, `the hub closed with ${code} (${JSON.stringify(reason)}), which x-close-codes does not list`);
  assert.equal(reason, entry.reason, `close ${code}: the reason sent differs from x-close-codes`);
  return entry;
}

/** The handshake is refused as documented: status, headers and body. */
async function refused(query, options = {}) {
  const error = await Socket.open(hub.url(query, options.path), options).then(
    (s) => {
      s.close();
      assert.fail(`the handshake ${JSON.stringify(query)} was accepted`);
    },
    (e) => e,
  );
  assert.ok(error.status, `no HTTP refusal: ${error.message}`);
  const body = JSON.parse(error.body);
  const check = protocol.validateHttpError(body);
  assert.ok(check.ok, `refusal body ${error.body} does not match HttpError:\n${formatErrors(check.errors)}`);
  const documented = protocol.handshakeRefusals.filter((r) => r.status === error.status && r.error === body.error);
  assert.ok(documented.length, `${error.status} ${body.error} is not in x-handshake-refusals`);
  for (const [name, value] of Object.entries(documented[0].headers ?? {})) {
    if (documented.every((r) => r.headers?.[name] === value)) assert.equal(error.headers[name.toLowerCase()], value, name);
  }
  return { status: error.status, body };
}

const jwtExp = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")).exp;

if (!existsSync(HUB_BIN)) {
  // A failure, not a skip: CI must not pass without having talked to the real hub.
  test("the hub binary exists (HUB_BIN)", () => {
    assert.fail(
      `${HUB_BIN} does not exist. Build the hub (cargo build --bin hub) or set HUB_BIN to its path ` +
        `(relative paths are taken from clients/protocol); the live protocol tests need the real binary.`,
    );
  });
}

describe("the running hub speaks the documented protocol", { skip: !existsSync(HUB_BIN) && "no hub binary: see the failure above" }, () => {
  let epoch;

  before(async () => {
    protocol = await loadProtocol();
    hub = await Hub.start();
  });

  after(async () => {
    for (const s of opened) s.close();
    if (hub) await hub.stop();
  });

  test("a published notification arrives as a valid notification frame", async () => {
    const socket = await connect("teacher-live");
    const first = await hub.publish({
      user_id: "teacher-live",
      event: "batch_files_uploaded",
      category: "file_operations",
      priority: "high",
      data: { batch_id: "b-1", file_count: 3 },
    });
    const a = valid(await socket.ofType("notification"));
    assert.equal(a.id, first.id);
    assert.equal(a.event, "batch_files_uploaded");
    assert.equal(a.category, "file_operations");
    assert.equal(a.priority, "high");
    assert.equal(a.replayed, undefined, "a live frame is not marked replayed");
    epoch = a.epoch;

    const second = await hub.publish({ user_id: "teacher-live", event: "class_created", correlation_id: "corr-1", data: { class_id: "c-1", message: "hello" } });
    const b = valid(await socket.ofType("notification"));
    assert.equal(b.id, second.id);
    assert.equal(b.category, null);
    assert.equal(b.priority, "standard");
    assert.equal(b.correlation_id, "corr-1");
    assert.equal(b.epoch, epoch);
  });

  test("ping is answered with a valid pong, at /ws and at /ws/, token in the query or the header", async () => {
    const inQuery = await open({ token: hub.token("teacher-pong") }, { path: "/ws/" });
    inQuery.send({ type: "ping" });
    valid(await inQuery.next());
    const inHeader = await open({}, { headers: { authorization: `Bearer ${hub.token("teacher-pong")}` } });
    inHeader.send({ type: "ping" });
    assert.equal(valid(await inHeader.next()).type, "pong");
  });

  test("refused client frames and tokens get valid error frames with each documented code", async () => {
    const socket = await connect("teacher-errors");
    socket.send({ type: "subscribe", topic: "all" });
    const invalid = valid(await socket.next());
    assert.deepEqual([invalid.type, invalid.code], ["error", "invalid_frame"]);
    socket.send({ type: "auth", token: "not-a-jwt" });
    const failed = valid(await socket.next());
    assert.deepEqual([failed.type, failed.code], ["error", "auth_failed"]);
    socket.send({ type: "auth", token: hub.token("someone-else") });
    const mismatch = valid(await socket.next());
    assert.deepEqual([mismatch.type, mismatch.code], ["error", "auth_subject_mismatch"]);
  });

  test("a token inside its renewal notice gets a valid token_expiring with its exp", async () => {
    const token = hub.token("teacher-expiring", { ttl: "30s" }); // auth.renew_notice is 60 s
    const socket = await open({ token });
    const frame = valid(await socket.ofType("token_expiring"));
    assert.equal(frame.exp, jwtExp(token));
    socket.send({ type: "auth", token: hub.token("teacher-expiring", { ttl: "40s" }) });
    const renewed = valid(await socket.ofType("token_expiring"));
    assert.ok(renewed.exp > frame.exp, "renewal announces the new exp");
  });

  test("a resume with another epoch gets a valid resync first, then live frames", async () => {
    assert.ok(epoch, "needs the epoch from the first test");
    const socket = await open({ token: hub.token("teacher-live"), since: "1-0", epoch: "not-the-epoch" });
    const resync = valid(await socket.next());
    assert.equal(resync.type, "resync", "the first frame of a resume the hub cannot cover");
    assert.equal(resync.epoch, epoch, "resync names the current epoch");
    await socket.joined();
    await hub.publish({ user_id: "teacher-live", event: "after_resync", data: {} });
    valid(await socket.ofType("notification"));
  });

  test("a resume with the right epoch replays valid frames in order, then live ones", async () => {
    const user = "teacher-replay";
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await hub.publish({ user_id: user, event: "batch_progress_update", category: "batch_progress", data: { step: i } })).id);
    const socket = await open({ token: hub.token(user), since: ids[0], epoch }, { label: "replay" });
    for (const id of ids.slice(1)) {
      const frame = valid(await socket.ofType("notification"));
      assert.equal(frame.id, id);
      assert.equal(frame.replayed, true, `replayed frame ${id} is not marked "replayed": true`);
    }
    await socket.joined();
    const live = await hub.publish({ user_id: user, event: "batch_progress_update", data: { step: 3 } });
    const frame = valid(await socket.ofType("notification"));
    assert.equal(frame.id, live.id);
    assert.equal(frame.replayed, undefined, "a live frame carries no replayed mark");
  });

  test("the client frame schemas accept exactly the frames the hub accepts", async () => {
    const user = "teacher-client-frames";
    const socket = await connect(user);
    const candidates = [
      { type: "ping" },
      { type: "auth", token: hub.token(user) },
      { type: "auth", token: "" },
      { type: "auth", token: "garbage" },
      { type: "ping", extra: 1 },
      { type: "ping", token: "t" },
      { type: "auth" },
      { type: "auth", token: null },
      { type: "auth", token: 5 },
      { type: "auth", token: ["t"] },
      { type: "auth", token: "t", sub: user },
      { type: "subscribe" },
      { type: "PING" },
      { type: "pong" },
      { type: null },
      { kind: "ping" },
      {},
      [],
      "ping",
      null,
      42,
      "not json", // sent as raw text
      Buffer.from('{"type":"ping"}'), // a binary frame
    ];
    const disagreements = [];
    for (const candidate of candidates) {
      const raw = candidate === "not json" || Buffer.isBuffer(candidate);
      let schemaAccepts = false;
      if (!raw) schemaAccepts = protocol.validateClientFrame(candidate).ok;
      socket.send(raw ? candidate : JSON.stringify(candidate));
      socket.send({ type: "ping" }); // a marker; also resets the invalid-frame count
      const first = valid(await socket.next());
      let hubAccepts;
      if (first.type === "error" && first.code === "invalid_frame") {
        hubAccepts = false;
        valid(await socket.ofType("pong"));
      } else {
        hubAccepts = true;
        // An accepted ping is answered with its own pong before the marker's.
        if (first.type !== "pong" || candidate.type === "ping") valid(await socket.ofType("pong"));
      }
      if (hubAccepts !== schemaAccepts) {
        disagreements.push(`${raw ? String(candidate) : JSON.stringify(candidate)}: hub ${hubAccepts ? "accepts" : "refuses"}, schema ${schemaAccepts ? "accepts" : "refuses"}`);
      }
    }
    assert.deepEqual(disagreements, [], "the hub and the client frame schemas disagree");
  });

  test("refused handshakes get the documented status and JSON body", async () => {
    const token = hub.token("teacher-handshake");
    assert.equal((await refused({})).status, 401);
    assert.equal((await refused({ token: "not-a-jwt" })).status, 401);
    assert.equal((await refused({ token: hub.token("teacher-handshake", { ttl: "1s" }).replace(/.$/, "A") })).status, 401);
    assert.equal((await refused({ token, since: "5-0" })).status, 400);
    assert.equal((await refused({ token, epoch: "e" })).status, 400);
    assert.equal((await refused({ token, since: "five", epoch: "e" })).status, 400);
    assert.equal((await refused({ token, since: "5-0" }, { path: "/ws/" })).status, 400);
    const origin = await refused({ token }, { headers: { origin: "http://evil.example" } });
    assert.deepEqual([origin.status, origin.body.error], [403, "origin_not_allowed"]);
  });

  test("closes carry a documented code with the exact reason text", async () => {
    // 1008: invalid frames in a row.
    const violator = await connect("teacher-violator");
    for (let i = 0; i < 5; i++) violator.send({ type: "nope" });
    const violation = documentedClose(await violator.closeFrame());
    assert.equal(violation.code, 1008);
    while (violator.queue.length) valid(violator.queue.shift());

    // 1009: a message over ws.max_frame_bytes (64 KiB).
    const big = await connect("teacher-big");
    big.send(JSON.stringify({ type: "auth", token: "x".repeat(64 * 1024) }));
    assert.equal(documentedClose(await big.closeFrame()).code, 1009);

    // 4000: one socket more than ws.max_sockets_per_user (5).
    const five = [];
    for (let i = 0; i < 5; i++) five.push(await connect("teacher-many"));
    const sixth = await open({ token: hub.token("teacher-many") });
    assert.equal(documentedClose(await sixth.closeFrame()).code, 4000);

    // 4003: an operator disconnect.
    const answer = await hub.disconnect("teacher-many");
    assert.equal(answer.sockets_closed, 5);
    for (const s of five) assert.equal(documentedClose(await s.closeFrame()).code, 4003);

    // 4001: a token that expires unrenewed.
    const expiring = await open({ token: hub.token("teacher-expired", { ttl: "3s" }) });
    valid(await expiring.ofType("token_expiring"));
    assert.equal(documentedClose(await expiring.closeFrame(8000)).code, 4001);
  });

  test("a shutdown closes sockets with 1001 and the documented reason", async () => {
    const socket = await connect("teacher-shutdown");
    const stopped = hub.stop();
    const close = documentedClose(await socket.closeFrame(10000));
    assert.equal(close.code, 1001);
    assert.deepEqual(await stopped, { code: 0, signal: null }, `the hub did not stop cleanly:\n${hub.output}`);
  });

  test("every frame the hub sent validated, and each server frame type was seen", () => {
    const types = new Set();
    const codes = new Set();
    for (const { label, text, binary } of Socket.received) {
      assert.ok(!binary, `${label}: the hub sent a binary frame`);
      const frame = valid(JSON.parse(text), label);
      types.add(frame.type);
      if (frame.type === "error") codes.add(frame.code);
    }
    assert.deepEqual([...types].sort(), Object.keys(protocol.messages.server).sort());
    assert.deepEqual([...codes].sort(), protocol.schema("ErrorFrame").properties.code.enum.slice().sort());
  });
});
