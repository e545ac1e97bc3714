// Lints the spec documents given on the command line, in one Node process:
//   1. Spectral (spectral:oas + spectral:asyncapi, ../spectral.ruleset.mjs) on every document;
//   2. the AsyncAPI parser (@asyncapi/parser, the validator behind `asyncapi validate`, with the
//      same rulesets: core, recommended, AsyncAPI 2 core/schemas/recommended) on *.asyncapi.yaml.
// Prints every error and warning (infos and hints are counted), then one summary line per
// document; exits 1 on any error or a document that cannot be parsed. Offline: a document
// with a $ref that is not local (#/…) is refused before any tool could fetch it.
//
// usage: node lint-specs.mjs <spec>...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import rulesetDefinition from "../spectral.ruleset.mjs";

const require = createRequire(import.meta.url);
const { Spectral, Document } = require("@stoplight/spectral-core");
const { Ruleset } = require("@stoplight/spectral-core/ruleset");
const Parsers = require("@stoplight/spectral-parsers");
const { Parser: AsyncAPIParser } = require("@asyncapi/parser");

const here = dirname(fileURLToPath(import.meta.url));
const severities = ["error", "warning", "info", "hint"];

// Exceptions the AsyncAPI parser's ruleset cannot scope to one place itself: the same reviewed
// exception the Spectral ruleset makes with an override (seed 002's '/ws/' channel).
const asyncapiExceptions = [
  { file: "specs/petchat.asyncapi.yaml", code: "asyncapi2-channel-no-trailing-slash", path: ["channels", "/ws/"] },
];

const specs = process.argv.slice(2);
if (specs.length === 0) {
  console.error("lint-specs: no spec given");
  process.exit(2);
}

/** Every $ref in a YAML text that does not point into the same document. */
function remoteRefs(text) {
  return [...text.matchAll(/\$ref:\s*['"]?([^'"\s#][^'"\s]*)/g)].map((m) => m[1]);
}

function excepted(file, d) {
  return asyncapiExceptions.some(
    (e) => e.file === file && e.code === d.code && JSON.stringify(d.path ?? []) === JSON.stringify(e.path),
  );
}

/** Prints errors and warnings of one tool on one file and returns the counts by severity. */
function report(tool, file, diagnostics) {
  const counts = [0, 0, 0, 0];
  const sorted = [...diagnostics].sort(
    (a, b) => a.severity - b.severity || a.range.start.line - b.range.start.line,
  );
  for (const d of sorted) {
    counts[d.severity] += 1;
    if (d.severity > 1) continue;
    const { line, character } = d.range.start;
    const where = d.path?.length ? ` (${d.path.join(".")})` : "";
    console.log(`  ${tool}: ${file}:${line + 1}:${character + 1} ${severities[d.severity]} ${d.code}: ${d.message}${where}`);
  }
  return counts;
}

const spectral = new Spectral();
spectral.setRuleset(new Ruleset(rulesetDefinition, { severity: "recommended", source: resolve(here, "../spectral.ruleset.mjs") }));
const asyncapiParser = new AsyncAPIParser();

const summary = [];
let failed = false;
for (const spec of specs) {
  const file = relative(process.cwd(), resolve(spec));
  const text = readFileSync(spec, "utf8");
  const row = { file, spectral: "-", asyncapi: "-" };
  summary.push(row);
  const remote = remoteRefs(text);
  if (remote.length > 0) {
    console.log(`  ${file}: refused, non-local $ref ${remote.join(", ")} (linting runs offline)`);
    row.spectral = row.asyncapi = "refused";
    failed = true;
    continue;
  }

  const spectralDiagnostics = await spectral.run(new Document(text, Parsers.Yaml, resolve(spec)));
  const [errors, warnings] = report("spectral", file, spectralDiagnostics);
  row.spectral = `${errors} errors, ${warnings} warnings`;
  failed ||= errors > 0;

  if (!file.endsWith(".asyncapi.yaml")) continue;
  const { document, diagnostics } = await asyncapiParser.parse(text, { source: resolve(spec) });
  const kept = diagnostics.filter((d) => !excepted(file, d));
  const [aErrors, aWarnings] = report("asyncapi", file, kept);
  row.asyncapi = document ? `${aErrors} errors, ${aWarnings} warnings` : `not parsed (${aErrors} errors)`;
  failed ||= aErrors > 0 || !document;
}

console.log("== summary");
console.log(`  ${"spec".padEnd(36)} ${"spectral".padEnd(24)} asyncapi parser`);
for (const row of summary) {
  console.log(`  ${row.file.padEnd(36)} ${row.spectral.padEnd(24)} ${row.asyncapi}`);
}
process.exit(failed ? 1 : 0);
