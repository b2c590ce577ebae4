// The client's hand-written frame types checked against the document: TypeScript types are
// generated from the ServerFrame and ClientFrame schemas (json-schema-to-typescript), and a
// small file of type-level assertions, compiled with tsc, requires each frame variant of the
// client and of the document to be assignable to the other and to have the same fields.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { compile } from "json-schema-to-typescript";
import ts from "typescript";

import { loadProtocol } from "./index.js";

/**
 * The schema as the generated types should see it. A frame's type names its known fields, so
 * frames are closed (`additionalProperties: true` is the hub's promise of additive fields, not a
 * field). Any other object, a notification's `data`, is opaque (`Record<string, unknown>`): its
 * keys are the application's, and the client passes them through.
 */
function forTypes(schema, insideFrame = false) {
  if (Array.isArray(schema)) return schema.map((s) => forTypes(s, insideFrame));
  if (!schema || typeof schema !== "object") return schema;
  const isFrame = schema.type === "object" && schema.properties?.type?.const !== undefined;
  if (schema.type === "object" && !isFrame && insideFrame) {
    return { type: "object", additionalProperties: true, ...(schema.description ? { description: schema.description } : {}) };
  }
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (isFrame && k === "additionalProperties") continue;
    out[k] = k === "properties" || k === "oneOf" || k === "anyOf" || k === "items" ? mapValues(v, isFrame || insideFrame) : v;
  }
  return out;
}

function mapValues(v, insideFrame) {
  if (Array.isArray(v)) return v.map((s) => forTypes(s, insideFrame));
  return Object.fromEntries(Object.entries(v).map(([k, s]) => [k, forTypes(s, insideFrame)]));
}

/** TypeScript for the document's `ServerFrame` and `ClientFrame` (and the types they use). */
export async function generateFrameTypes(protocol) {
  const options = { bannerComment: "", additionalProperties: false, format: false, strictIndexSignatures: true };
  const server = await compile(forTypes(protocol.schema("ServerFrame")), "ServerFrame", options);
  const client = await compile(forTypes(protocol.schema("ClientFrame")), "ClientFrame", options);
  return `// Generated from docs/asyncapi.yaml by clients/protocol (check-client-types). Do not edit.\n\n${server}\n${client}`;
}

/** The frame variants compared one by one: a name and a selector type for `Extract`. */
const VARIANTS = {
  ServerFrame: [
    ["notification (numbered)", '{ type: "notification"; id: string }'],
    ["notification (legacy, id null)", '{ type: "notification"; id: null }'],
    ["pong", '{ type: "pong" }'],
    ["error", '{ type: "error" }'],
    ["token_expiring", '{ type: "token_expiring" }'],
    ["resync", '{ type: "resync" }'],
  ],
  ClientFrame: [
    ["ping", '{ type: "ping" }'],
    ["auth", '{ type: "auth" }'],
  ],
};

function assertions(clientImport) {
  const lines = [
    "// Type-level assertions: the document's frame types (Doc) against the client's (Client).",
    'import type * as Doc from "./generated.ts";',
    `import type * as Client from ${JSON.stringify(clientImport)};`,
    "",
    "type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;",
    "type Assert<T extends true> = T;",
    "type IsNever<T> = [T] extends [never] ? true : false;",
    "type Not<T extends boolean> = T extends true ? false : true;",
    "type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];",
    "",
  ];
  let n = 0;
  for (const [union, variants] of Object.entries(VARIANTS)) {
    lines.push(`// ${union}: the same set of types, and each union assignable to the other.`);
    lines.push(`export type T${n} = Assert<Equal<Doc.${union}["type"], Client.${union}["type"]>>;`);
    lines.push(`export const docToClient${n}: Client.${union} = null as unknown as Doc.${union};`);
    lines.push(`export const clientToDoc${n}: Doc.${union} = null as unknown as Client.${union};`);
    n++;
    for (const [name, selector] of variants) {
      const d = `Extract<Doc.${union}, ${selector}>`;
      const c = `Extract<Client.${union}, ${selector}>`;
      lines.push(`// ${union} ${name}: in both, mutually assignable, the same fields, the same optional fields.`);
      lines.push(`export type InDocument${n} = Assert<Not<IsNever<${d}>>>;`);
      lines.push(`export type InClient${n} = Assert<Not<IsNever<${c}>>>;`);
      lines.push(`export const docToClient${n}: ${c} = null as unknown as ${d};`);
      lines.push(`export const clientToDoc${n}: ${d} = null as unknown as ${c};`);
      lines.push(`export type SameFields${n} = Assert<Equal<keyof ${d}, keyof ${c}>>;`);
      lines.push(`export type SameOptionalFields${n} = Assert<Equal<OptionalKeys<${d}>, OptionalKeys<${c}>>>;`);
      n++;
    }
  }
  return lines.join("\n") + "\n";
}

const COMPILER_OPTIONS = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: [],
};
let lastProgram;


/**
 * Checks the client's `ServerFrame` and `ClientFrame` (exported by `clientTypesPath`) against
 * the document. Returns `{ ok, errors, dir }`; `dir` (the generated files) is kept on failure.
 */
export async function checkClientTypes(clientTypesPath, { keep = false, protocol } = {}) {
  protocol ??= await loadProtocol();
  const dir = mkdtempSync(join(tmpdir(), "hub-client-types-"));
  writeFileSync(join(dir, "generated.ts"), await generateFrameTypes(protocol));
  let clientImport = relative(dir, resolve(clientTypesPath));
  if (!clientImport.startsWith(".")) clientImport = `./${clientImport}`;
  writeFileSync(join(dir, "assertions.ts"), assertions(clientImport));
  const program = ts.createProgram([join(dir, "assertions.ts")], COMPILER_OPTIONS, undefined, lastProgram);
  lastProgram = program; // later checks in the same process reuse its parsed lib files
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const errors = diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
    if (!d.file) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const source = d.file.text.split("\n");
    // The comment above an assertion names the check.
    let above = line;
    while (above > 0 && !source[above].startsWith("//")) above--;
    const check = d.file.fileName.endsWith("assertions.ts") ? `\n  check: ${source[above].replace(/^\/\/ /, "")}` : "";
    return `${d.file.fileName}:${line + 1}: ${message}${check}`;
  });
  const ok = errors.length === 0;
  if (ok && !keep) rmSync(dir, { recursive: true, force: true });
  return { ok, errors, dir };
}
