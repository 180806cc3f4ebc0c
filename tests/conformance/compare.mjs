// Compares a conformance run with expected-failures.txt and prints one line per scenario plus the summary line.
// Usage: node compare.mjs RESULTS_DIR RUN_LOG EXPECTED_FAILURES_FILE
// A scenario passes when it has at least one SUCCESS check and no FAILURE or WARNING check (the suite's own
// baseline rule, plus "it checked something"). Exit 1 when a scenario fails that is not listed, when a listed one
// passes, or when a listed one did not run; exit 0 otherwise.
import fs from "node:fs";
import path from "node:path";

const [resultsDir, runLog, expectedFile] = process.argv.slice(2);

// expected-failures.txt: "scenario-name  # reason", comments and blank lines ignored.
const expected = new Map();
const problems = [];
for (const [index, raw] of fs.readFileSync(expectedFile, "utf8").split("\n").entries()) {
  const hash = raw.indexOf("#");
  const name = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
  if (!name) continue;
  const reason = hash >= 0 ? raw.slice(hash + 1).trim() : "";
  if (!reason) problems.push(`${path.basename(expectedFile)}:${index + 1}: '${name}' has no '# reason'`);
  expected.set(name, reason);
}

// The scenarios the suite ran, in order, and how many it announced.
const log = fs.readFileSync(runLog, "utf8");
const announced = Number(/Running \w+ suite \((\d+) scenarios?\)/.exec(log)?.[1] ?? NaN);
const ran = [...log.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]);
if (ran.length === 0) problems.push("the conformance CLI ran no scenario (see its output above)");
else if (ran.length !== announced) problems.push(`the suite announced ${announced} scenarios but ran ${ran.length}`);

// Result folders are "server-<scenario>-<ISO timestamp>" holding checks.json.
const checksOf = new Map();
for (const dir of fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir) : []) {
  const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir);
  const file = path.join(resultsDir, dir, "checks.json");
  if (m && fs.existsSync(file)) checksOf.set(m[1], JSON.parse(fs.readFileSync(file, "utf8")));
}

let passed = 0, expectedFailures = 0, unexpected = 0;
const lines = [];
for (const scenario of ran) {
  const checks = checksOf.get(scenario);
  const bad = (checks ?? []).filter((c) => c.status === "FAILURE" || c.status === "WARNING");
  const ok = checks !== undefined && bad.length === 0 && checks.some((c) => c.status === "SUCCESS");
  const why = checks === undefined ? "no results written"
    : bad.length ? bad.map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? c.description}`).join("; ")
    : "no check succeeded";
  if (ok && !expected.has(scenario)) { passed++; lines.push(`  pass   ${scenario}`); }
  else if (!ok && expected.has(scenario)) { expectedFailures++; lines.push(`  xfail  ${scenario}  (${expected.get(scenario)})`); }
  else if (ok) {
    unexpected++;
    lines.push(`  XPASS  ${scenario}: listed in expected-failures.txt but passed now; remove the entry`);
  } else {
    unexpected++;
    lines.push(`  FAIL   ${scenario}: ${why}`);
  }
}
for (const name of expected.keys()) {
  if (!ran.includes(name)) {
    unexpected++;
    lines.push(`  STALE  ${name}: listed in expected-failures.txt but the suite has no such scenario; remove or rename it`);
  }
}

console.log(lines.join("\n"));
for (const p of problems) console.log(`  ERROR  ${p}`);
if (unexpected > 0) console.log("conformance: unexpected results above (FAIL: a new failure; XPASS/STALE: expected-failures.txt is out of date)");
console.log(`conformance: ${passed} passed, ${expectedFailures} expected failures, ${unexpected} unexpected`);
process.exit(unexpected > 0 || problems.length > 0 ? 1 : 0);
