// The hub's WebSocket protocol, read from docs/asyncapi.yaml with the AsyncAPI parser: the
// message payload schemas (plain JSON Schema, references resolved), the close codes and
// handshake refusals of the document's extensions, and validators built from them with ajv.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Parser } from "@asyncapi/parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";

/** docs/asyncapi.yaml of this repository. */
export const DOCUMENT_PATH = fileURLToPath(new URL("../../../docs/asyncapi.yaml", import.meta.url));

/** Spectral's severities: 0 error, 1 warning, 2 information, 3 hint. */
const SEVERITY = ["error", "warning", "info", "hint"];

/** One line per diagnostic: `error asyncapi-schema  channels.socket  message`. */
export function formatDiagnostic(d) {
  const where = d.path && d.path.length ? d.path.join(".") : "(document)";
  const line = d.range ? `:${d.range.start.line + 1}` : "";
  return `${SEVERITY[d.severity] ?? d.severity} ${d.code} ${where}${line}  ${d.message}`;
}

/**
 * Parses and validates the document. `errors` are the error-level diagnostics; the document is
 * usable only when there are none.
 */
export async function parseDocument(path = DOCUMENT_PATH) {
  const text = await readFile(path, "utf8");
  const parser = new Parser();
  const { document, diagnostics } = await parser.parse(text, { source: path });
  const errors = diagnostics.filter((d) => d.severity === 0);
  return { document, diagnostics, errors };
}

/** A deep copy without the parser's bookkeeping keys (`x-parser-schema-id`, …). */
function plain(value) {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) if (!k.startsWith("x-parser-")) out[k] = plain(v);
    return out;
  }
  return value;
}

function newAjv() {
  // Strict, so a schema keyword ajv does not know is an error rather than silently ignored.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Everything a test or tool needs from the document. Throws, listing them, when the document
 * has error-level diagnostics.
 */
export async function loadProtocol(path = DOCUMENT_PATH) {
  const { document, diagnostics, errors } = await parseDocument(path);
  if (!document || errors.length) {
    throw new Error(`${path} is not a valid AsyncAPI document:\n${errors.map(formatDiagnostic).join("\n")}`);
  }
  const direction = new Map(); // message id -> "server" | "client"
  for (const operation of document.operations()) {
    // Written from a client's point of view: it receives server frames and sends client frames.
    const side = operation.action() === "receive" ? "server" : "client";
    for (const message of operation.messages()) direction.set(message.id(), side);
  }
  const messages = { server: {}, client: {} };
  const examples = [];
  for (const message of document.messages()) {
    const side = direction.get(message.id());
    if (!side) throw new Error(`message ${message.id()} is in no operation`);
    const type = message.name();
    const payload = plain(message.payload().json());
    messages[side][type] = { id: message.id(), type, payload };
    for (const example of message.examples()) {
      examples.push({ side, type, name: example.name() ?? "", payload: plain(example.payload()) });
    }
  }
  const json = document.json();
  const componentSchema = (name) => {
    const schema = json.components?.schemas?.[name];
    if (!schema) throw new Error(`components.schemas.${name} is missing`);
    return plain(schema);
  };
  const channel = json.channels?.socket;
  const closeCodes = plain(channel?.["x-close-codes"]?.codes ?? []);
  const handshakeRefusals = plain(channel?.["x-handshake-refusals"]?.refusals ?? []);

  const ajv = newAjv();
  const compiled = { server: {}, client: {} };
  for (const side of ["server", "client"]) {
    for (const [type, m] of Object.entries(messages[side])) compiled[side][type] = ajv.compile(m.payload);
  }
  const httpError = ajv.compile(componentSchema("HttpError"));

  const validator = (side) => (frame) => {
    if (!isObject(frame) || typeof frame.type !== "string") {
      return { ok: false, type: undefined, errors: [{ message: "a frame is a JSON object with a string `type`" }] };
    }
    const validate = compiled[side][frame.type];
    if (!validate) {
      return { ok: false, type: frame.type, unknownType: true, errors: [{ message: `no ${side} frame has type ${JSON.stringify(frame.type)}` }] };
    }
    const ok = validate(frame);
    return { ok, type: frame.type, errors: ok ? [] : validate.errors };
  };

  return {
    document,
    diagnostics,
    /** `{ server: { notification: {id, type, payload}, … }, client: { ping, auth } }`. */
    messages,
    /** Every message example of the document, with its side and type. */
    examples,
    /** components.schemas by name, plain JSON Schema with references resolved. */
    schema: componentSchema,
    closeCodes,
    handshakeRefusals,
    validateServerFrame: validator("server"),
    validateClientFrame: validator("client"),
    validateHttpError: (body) => {
      const ok = httpError(body);
      return { ok, errors: ok ? [] : httpError.errors };
    },
  };
}

/** ajv's errors as one readable line each. */
export function formatErrors(errors) {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`).join("\n");
}
