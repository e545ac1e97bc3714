// Prints Spectral-style JSON diagnostics (from `spectral lint -f json` or
// `asyncapi validate --diagnostics-format json`) one per line, and appends per-file
// counts to a tab-separated file for tools/lint-specs.sh's summary.
//
// usage: node diagnostics.mjs <tool> <diagnostics.json> <counts.tsv> <spec>...
import { appendFileSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";

const [tool, jsonFile, countsFile, ...specs] = process.argv.slice(2);
const severities = ["error", "warning", "info", "hint"];

const diagnostics = JSON.parse(readFileSync(jsonFile, "utf8"));
const bySpec = new Map(specs.map((spec) => [resolve(spec), []]));
for (const d of diagnostics) {
  const key = resolve(d.source ?? specs[0]);
  if (!bySpec.has(key)) bySpec.set(key, []);
  bySpec.get(key).push(d);
}

for (const [file, list] of bySpec) {
  const name = relative(process.cwd(), file);
  const counts = [0, 0, 0, 0];
  list.sort((a, b) => a.severity - b.severity || a.range.start.line - b.range.start.line);
  for (const d of list) {
    counts[d.severity] += 1;
    if (d.severity > 1) continue; // infos and hints are counted, not printed
    const { line, character } = d.range.start;
    const where = d.path?.length ? ` (${d.path.join(".")})` : "";
    console.log(`  ${tool}: ${name}:${line + 1}:${character + 1} ${severities[d.severity]} ${d.code}: ${d.message}${where}`);
  }
  appendFileSync(countsFile, [tool, name, ...counts].join("\t") + "\n");
}
