// The document itself: valid AsyncAPI, its schemas accept the README's frames and reject broken
// ones, and its extensions agree with the Rust sources they describe.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import { formatDiagnostic, formatErrors, loadProtocol, parseDocument } from "../src/index.js";
import { functionBody, readRepoFile, rustSources } from "./repo.js";

let protocol;
before(async () => {
  protocol = await loadProtocol();
});

const accepts = (check, frame) => {
  const result = check(frame);
  assert.ok(result.ok, `${JSON.stringify(frame)} was refused:\n${formatErrors(result.errors)}`);
};
const refuses = (check, frame, why) => {
  const result = check(frame);
  assert.ok(!result.ok, `${JSON.stringify(frame)} was accepted, but ${why}`);
};

describe("the document", () => {
  test("parses and validates with the AsyncAPI parser, without error diagnostics", async () => {
    const { document, errors } = await parseDocument();
    assert.ok(document, "the parser gave no document");
    assert.deepEqual(errors.map(formatDiagnostic), []);
    assert.equal(document.version(), "3.0.0");
  });

  test("describes one channel at /ws, also reachable at /ws/, with token, since and epoch", () => {
    const channels = protocol.document.channels();
    assert.equal(channels.length, 1);
    const socket = channels.get("socket");
    assert.equal(socket.address(), "/ws");
    assert.deepEqual(socket.json()["x-alternative-addresses"], ["/ws/"]);
    const ws = socket.bindings().get("ws").value();
    assert.equal(ws.method, "GET");
    assert.deepEqual(Object.keys(ws.query.properties).sort(), ["epoch", "since", "token"]);
    assert.deepEqual(ws.query.dependencies, { since: ["epoch"], epoch: ["since"] });
    assert.ok(ws.headers.properties.Authorization);
  });

  test("has exactly the v1 frames: five from the server, two from the client, named by their type", () => {
    assert.deepEqual(Object.keys(protocol.messages.server).sort(), ["error", "notification", "pong", "resync", "token_expiring"]);
    assert.deepEqual(Object.keys(protocol.messages.client).sort(), ["auth", "ping"]);
    for (const side of ["server", "client"]) {
      for (const [type, { payload }] of Object.entries(protocol.messages[side])) {
        const consts = JSON.stringify(payload).match(/"type":\{"const":"([a-z_]+)"/g) ?? [];
        assert.ok(consts.length > 0, `${type} has no type constant`);
        for (const c of consts) assert.ok(c.endsWith(`"${type}"`), `${type}: ${c}`);
      }
    }
  });

  test("client frames are closed to unknown fields, server frames open to additive ones", () => {
    for (const { payload } of Object.values(protocol.messages.client)) assert.equal(payload.additionalProperties, false);
    const open = (schema) => (schema.oneOf ? schema.oneOf.every(open) : schema.additionalProperties === true);
    for (const [type, { payload }] of Object.entries(protocol.messages.server)) assert.ok(open(payload), type);
  });

  test("every message example matches its payload schema", () => {
    assert.ok(protocol.examples.length >= 7);
    for (const e of protocol.examples) {
      accepts(e.side === "server" ? protocol.validateServerFrame : protocol.validateClientFrame, e.payload);
    }
  });
});

describe("the schemas accept the README's frames", () => {
  test("the notification the README's 'Try it' prints", () => {
    const readme = readRepoFile("README.md");
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
    const frames = blocks.filter((b) => b && b.type === "notification");
    assert.ok(frames.length >= 1, "no notification frame in a ```json block of README.md");
    for (const frame of frames) accepts(protocol.validateServerFrame, frame);
  });

  test("the other frames of the README's tables", () => {
    for (const frame of [
      { type: "pong" },
      { type: "error", code: "invalid_frame", message: "unknown variant `subscribe`, expected `ping` or `auth`" },
      { type: "error", code: "auth_failed", message: "token expired" },
      { type: "error", code: "auth_subject_mismatch", message: "the new token is for another user" },
      { type: "token_expiring", exp: 1795314704 },
      { type: "resync", epoch: "c88dd23af2c151e6" },
    ]) {
      accepts(protocol.validateServerFrame, frame);
    }
    accepts(protocol.validateClientFrame, { type: "ping" });
    accepts(protocol.validateClientFrame, { type: "auth", token: "eyJ.e30.sig" });
  });

  test("a legacy frame, a replayed frame, a null category and server frames with fields added later", () => {
    const base = protocol.examples.find((e) => e.type === "notification" && e.name === "live").payload;
    accepts(protocol.validateServerFrame, { ...base, replayed: true });
    accepts(protocol.validateServerFrame, { ...base, replayed: false });
    accepts(protocol.validateServerFrame, { ...base, category: null, data: { ...base.data, category: null } });
    accepts(protocol.validateServerFrame, { ...base, timestamp: "2026-11-22T01:31:44Z" });
    accepts(protocol.validateServerFrame, { ...base, shard: 7 });
    accepts(protocol.validateServerFrame, { type: "notification", id: null, epoch: null, event: "e", category: "whatever", priority: null, timestamp: "2025-11-18T13:42:10Z", correlation_id: null, data: {} });
    accepts(protocol.validateServerFrame, { type: "pong", at: 1 });
    accepts(protocol.validateServerFrame, { type: "resync", epoch: "e", reason: "trimmed" });
  });
});

describe("the schemas can fail", () => {
  const live = () => structuredClone(protocol.examples.find((e) => e.type === "notification" && e.name === "live").payload);
  const notification = (change) => {
    const frame = live();
    change(frame);
    return frame;
  };

  test("broken notification frames are refused", () => {
    const cases = [
      [notification((f) => (f.id = "1795311104021")), "an id is <ms>-<seq>"],
      [notification((f) => (f.id = "a-1")), "an id is two integers"],
      [notification((f) => (f.id = "1-2-3")), "an id has two parts"],
      [notification((f) => (f.id = 17)), "an id is a string"],
      [notification((f) => (f.epoch = null)), "a numbered frame has an epoch"],
      [notification((f) => (f.epoch = "")), "an epoch is not empty"],
      [notification((f) => (f.id = null)), "a legacy frame has no epoch either"],
      [notification((f) => delete f.event), "event is required"],
      [notification((f) => (f.event = "")), "event is not empty"],
      [notification((f) => (f.category = "gossip")), "category is one of the platform's"],
      [notification((f) => delete f.category), "category is present, null when unset"],
      [notification((f) => (f.priority = "urgent")), "priority is one of the platform's"],
      [notification((f) => (f.priority = null)), "a numbered frame always has a priority"],
      [notification((f) => (f.timestamp = "2026-11-22T01:31:44.021358+00:00")), "timestamp is UTC with Z"],
      [notification((f) => (f.timestamp = "2026-13-45T01:31:44Z")), "timestamp is a real date-time"],
      [notification((f) => (f.timestamp = "yesterday")), "timestamp is RFC 3339"],
      [notification((f) => (f.correlation_id = null)), "a numbered frame has a correlation id"],
      [notification((f) => (f.data = [])), "data is an object"],
      [notification((f) => (f.data = null)), "data is an object"],
      [notification((f) => delete f.data.action_required), "data carries the keys the service adds"],
      [notification((f) => (f.data.priority = "urgent")), "data.priority is one of the platform's"],
      [notification((f) => (f.replayed = "yes")), "replayed is a boolean"],
      [notification((f) => (f.replayed = 1)), "replayed is a boolean"],
      [{ type: "notification", id: null, epoch: null, event: "e", timestamp: "2025-11-18T13:42:10Z", data: {} }, "a legacy frame has every field too"],
    ];
    for (const [frame, why] of cases) refuses(protocol.validateServerFrame, frame, why);
  });

  test("broken control frames are refused", () => {
    const cases = [
      [{ type: "error", code: "boom", message: "m" }, "the error code is one of three"],
      [{ type: "error", code: "invalid_frame" }, "an error has a message"],
      [{ type: "token_expiring" }, "token_expiring has exp"],
      [{ type: "token_expiring", exp: "1795314704" }, "exp is a number"],
      [{ type: "token_expiring", exp: 1795314704.5 }, "exp is whole seconds"],
      [{ type: "token_expiring", exp: -1 }, "exp is not negative"],
      [{ type: "resync" }, "resync has the epoch"],
      [{ type: "resync", epoch: 5 }, "an epoch is a string"],
      [{ type: "hello" }, "hello is no server frame"],
      [{ kind: "pong" }, "a frame has a type"],
      [[], "a frame is an object"],
      [null, "a frame is an object"],
    ];
    for (const [frame, why] of cases) refuses(protocol.validateServerFrame, frame, why);
  });

  test("client frames the hub refuses are refused", () => {
    const cases = [
      [{ type: "ping", extra: 1 }, "the hub refuses unknown fields"],
      [{ type: "auth" }, "auth needs a token"],
      [{ type: "auth", token: null }, "a token is a string"],
      [{ type: "auth", token: 5 }, "a token is a string"],
      [{ type: "auth", token: "t", sub: "u" }, "the hub refuses unknown fields"],
      [{ type: "subscribe" }, "there is no subscribe frame"],
      [{ type: "PING" }, "types are lowercase"],
      [{ type: "pong" }, "pong is a server frame"],
      [{ kind: "ping" }, "a frame has a type"],
      ["ping", "a frame is an object"],
    ];
    for (const [frame, why] of cases) refuses(protocol.validateClientFrame, frame, why);
  });

  test("the combined ServerFrame and ClientFrame schemas tell the frames apart", async () => {
    const { default: Ajv } = await import("ajv");
    const { default: addFormats } = await import("ajv-formats");
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    addFormats(ajv);
    const server = ajv.compile(protocol.schema("ServerFrame"));
    const client = ajv.compile(protocol.schema("ClientFrame"));
    for (const e of protocol.examples) {
      const [own, other] = e.side === "server" ? [server, client] : [client, server];
      assert.ok(own(e.payload), `${e.type}/${e.name} matches no (or more than one) branch: ${formatErrors(own.errors)}`);
      assert.ok(!other(e.payload), `${e.type}/${e.name} also matches the other side's frames`);
    }
  });

  test("handshake refusal bodies are checked", () => {
    assert.ok(protocol.validateHttpError({ error: "unauthorized", message: "missing token" }).ok);
    assert.ok(!protocol.validateHttpError({ error: "teapot", message: "m" }).ok);
    assert.ok(!protocol.validateHttpError({ error: "unauthorized" }).ok);
  });
});

describe("the extensions agree with the hub's sources", () => {
  test("x-close-codes is the catalogue of actors/src/close.rs: codes, reasons, terminal", () => {
    // Found by content, not path, so moving the file does not break the check.
    const source = rustSources("actors/src").find((f) => /pub fn reason\(self\) -> &'static str/.test(f.text));
    assert.ok(source, "no close-code catalogue (`pub fn reason(self) -> &'static str`) under actors/src");
    const pairs = (body, value) => Object.fromEntries([...body.matchAll(new RegExp(`Self::(\\w+) => (${value})`, "g"))].map((m) => [m[1], m[2]]));
    const codes = pairs(functionBody(source.text, "code"), "\\d+");
    const reasons = pairs(functionBody(source.text, "reason"), '"[^"]*"');
    const reconnect = functionBody(source.text, "should_reconnect");
    const fromRust = Object.entries(codes)
      .map(([variant, code]) => ({
        code: Number(code),
        reason: JSON.parse(reasons[variant]),
        terminal: !new RegExp(`Self::${variant}\\b`).test(reconnect),
      }))
      .sort((a, b) => a.code - b.code);
    assert.equal(fromRust.length, 9, `${source.path}: expected nine close reasons`);
    const documented = protocol.closeCodes.map(({ code, reason, terminal }) => ({ code, reason, terminal }));
    assert.deepEqual(documented, fromRust, `x-close-codes differs from ${source.path}`);
    for (const c of protocol.closeCodes) {
      assert.ok(c.meaning && c.client_action, `${c.code} needs a meaning and a client action`);
    }
  });

  test("categories and priorities are the platform's enums in src/contracts", () => {
    const enums = {};
    for (const { text } of rustSources("src/contracts")) {
      for (const m of text.matchAll(/pub enum (\w+) \("(\w+)"\) \{([\s\S]*?)\n    \}/g)) {
        enums[m[1]] = [...m[3].matchAll(/= "([a-z_]+)",/g)].map((v) => v[1]);
      }
    }
    assert.ok(enums.Category && enums.Priority, "string_enum! Category and Priority not found under src/contracts");
    assert.deepEqual(protocol.schema("Category").enum, enums.Category);
    assert.deepEqual(protocol.schema("Priority").enum, enums.Priority);
  });

  test("every handshake refusal is a code of HttpError, with the README's statuses", () => {
    const codes = protocol.schema("HttpError").properties.error.enum;
    const statuses = new Set();
    for (const r of protocol.handshakeRefusals) {
      assert.ok(codes.includes(r.error), `${r.error} is not in HttpError`);
      statuses.add(r.status);
    }
    assert.deepEqual([...statuses].sort(), [400, 401, 403, 503]);
  });
});
