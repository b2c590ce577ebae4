// check-client-types can pass and can fail: a client's types that match the document pass; the
// same types with one field or value changed do not.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { checkClientTypes, generateFrameTypes } from "../src/client-types.js";
import { loadProtocol } from "../src/index.js";

const fixture = fileURLToPath(new URL("./fixtures/frames.ts", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "hub-client-types-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let protocol;
before(async () => {
  protocol = await loadProtocol();
});

test("the generated types name every frame of the document", async () => {
  const generated = await generateFrameTypes(protocol);
  for (const name of ["ServerFrame", "ClientFrame", "NumberedNotificationFrame", "LegacyNotificationFrame", "PongFrame", "ErrorFrame", "TokenExpiringFrame", "ResyncFrame", "PingFrame", "AuthFrame"]) {
    assert.match(generated, new RegExp(`export (type|interface) ${name}\\b`));
  }
  assert.match(generated, /replayed\?: boolean/);
});

test("client types that match the document pass", async () => {
  const { ok, errors } = await checkClientTypes(fixture, { protocol });
  assert.deepEqual(errors, []);
  assert.ok(ok);
});

test("client types that differ from the document fail, naming the difference", async () => {
  const text = readFileSync(fixture, "utf8");
  const mutants = {
    "replayed missing": text.replaceAll("      replayed?: boolean;\n", ""),
    "an error code missing, a frame type added, priority widened": text
      .replace(' | "auth_subject_mismatch"; message', "; message")
      .replace('  | { type: "pong" }', '  | { type: "pong" }\n  | { type: "hello" }')
      .replace("      priority: Priority;", "      priority: string;"),
    "auth token optional": text.replace('{ type: "auth"; token: string }', '{ type: "auth"; token?: string }'),
  };
  for (const [name, mutant] of Object.entries(mutants)) {
    assert.notEqual(mutant, text, `${name}: the mutation did not apply`);
    const path = join(scratch, `${name.replaceAll(/\W+/g, "-")}.ts`);
    writeFileSync(path, mutant);
    const { ok, errors, dir } = await checkClientTypes(path, { protocol });
    rmSync(dir, { recursive: true, force: true });
    assert.ok(!ok, `${name}: accepted`);
    assert.ok(errors.some((e) => e.includes("assertions.ts")), `${name}: ${errors.join("\n")}`);
  }
});
