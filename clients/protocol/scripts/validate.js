// npm run validate: parse and validate docs/asyncapi.yaml with the AsyncAPI parser, print every
// diagnostic, and fail on any at error level. The parser does not check message examples
// against their payload schemas, so this does it too (with ajv), and fails on a bad example.

import { DOCUMENT_PATH, formatDiagnostic, formatErrors, loadProtocol, parseDocument } from "../src/index.js";

const path = process.argv[2] ?? DOCUMENT_PATH;
const { document, diagnostics, errors } = await parseDocument(path);
for (const d of diagnostics) console.log(formatDiagnostic(d));
if (!document || errors.length) {
  console.error(`${path}: ${errors.length} error(s); the document is not valid AsyncAPI`);
  process.exit(1);
}
const protocol = await loadProtocol(path);
let badExamples = 0;
for (const example of protocol.examples) {
  const check = example.side === "server" ? protocol.validateServerFrame : protocol.validateClientFrame;
  const result = check(example.payload);
  if (!result.ok) {
    badExamples += 1;
    console.error(`error example ${example.type}${example.name ? `/${example.name}` : ""} does not match its payload schema:\n${formatErrors(result.errors)}`);
  }
}
if (badExamples) {
  console.error(`${path}: ${badExamples} message example(s) do not match their payload schemas`);
  process.exit(1);
}
console.log(
  `${path}: valid AsyncAPI ${document.version()} (${document.channels().length} channel, ` +
    `${document.operations().length} operations, ${document.messages().length} messages, ` +
    `${protocol.examples.length} examples checked; ${diagnostics.length} non-error diagnostic(s))`,
);
