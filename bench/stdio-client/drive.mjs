// The official TypeScript MCP client driving one stdio server, as an MCP host would: spawn -> initialize -> tools/list
// (cold start), the server's RSS 1 s later, then INFLIGHT calls in flight for a warm-up and for SECONDS. Prints one JSON
// object on stdout (with the count of answers other than the expected one, and the first of them); exits 3 on a failure
// or when most answers were unexpected.
//
// Usage: node drive.mjs --seconds S --warmup W --inflight N --tool NAME --args JSON --expect ok|ERROR_CODE [--pid-file F] -- COMMAND [ARGS...]
// In the arguments' string values, "{n}" becomes the call's number and "{pick:a|b|c}" one of the listed values, in
// turn: a fresh request_id per call (so no call replays another), payments spread over several records.
// The server inherits this process's environment. Its stderr is piped and drained; the bytes it wrote are reported.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";

const argv = process.argv.slice(2);
const split = argv.indexOf("--");
const options = Object.fromEntries(argv.slice(0, split).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const [command, ...args] = argv.slice(split + 1);
const seconds = Number(options.seconds ?? 5);
const warmup = Number(options.warmup ?? 2);
const inflight = Number(options.inflight ?? 16);
const tool = options.tool;
const template = JSON.parse(options.args ?? "{}");
const expect = options.expect ?? "ok";

const fill = (value, n) => {
  if (typeof value === "string") {
    const pick = /^\{pick:(.*)\}$/.exec(value);
    return pick ? pick[1].split("|")[n % pick[1].split("|").length] : value.replaceAll("{n}", String(n));
  }
  return value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, n)])) : value;
};

const status = (pid) => Object.fromEntries(readFileSync(`/proc/${pid}/status`, "utf8").split("\n")
  .map((l) => l.split(":")).filter((p) => p.length === 2).map(([k, v]) => [k, parseInt(v.trim(), 10)]));
// utime + stime of the server process, in ms (clock ticks of 10 ms on Linux).
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

// Context switches of all the server's threads: a call that hops threads or wakes one to write shows here.
const switches = (pid) => readdirSync(`/proc/${pid}/task`).reduce((sum, task) => {
  try {
    const s = status(`${pid}/task/${task}`);
    return sum + s.voluntary_ctxt_switches + s.nonvoluntary_ctxt_switches;
  } catch {
    return sum;
  }
}, 0);

const transport = new StdioClientTransport({ command, args, env: process.env, stderr: "pipe" });
let stderrBytes = 0;
let stderrTail = "";
transport.stderr?.on("data", (chunk) => {
  stderrBytes += chunk.length;
  stderrTail = (stderrTail + chunk.toString()).slice(-2000);
});
const client = new Client({ name: "keybrake-bench-client", version: "1.0.0" });

let next = 0;
let unexpected = 0;
let firstUnexpected = null;
async function drive(until) {
  let done = 0;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (performance.now() < until) {
      const n = next++;
      const result = await client.callTool({ name: tool, arguments: fill(template, n) });
      const code = result.isError ? (result.structuredContent?.error?.code ?? "error") : "ok";
      if (code !== expect) {
        unexpected++;
        firstUnexpected ??= JSON.stringify(result).slice(0, 1000);
      }
      done++;
    }
  }));
  return done;
}

try {
  const t0 = performance.now();
  await client.connect(transport);
  const tools = await client.listTools();
  const coldMs = performance.now() - t0;
  if (!tools.tools.some((t) => t.name === tool)) {
    throw new Error(`tools/list has no ${tool}: ${tools.tools.map((t) => t.name).join(", ")}`);
  }
  const pid = transport.pid;
  if (options["pid-file"]) {
    writeFileSync(options["pid-file"], String(pid));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const start = status(pid);

  await drive(performance.now() + warmup * 1000);
  const cpu0 = cpuMs(pid);
  const switches0 = switches(pid);
  const client0 = process.cpuUsage();
  const t1 = performance.now();
  const calls = await drive(t1 + seconds * 1000);
  const elapsed = (performance.now() - t1) / 1000;
  const serverCpu = cpuMs(pid) - cpu0;
  const serverSwitches = switches(pid) - switches0;
  const clientCpu = process.cpuUsage(client0);
  const after = status(pid);
  if (calls > 0 && unexpected > calls / 2) {
    throw new Error(`${unexpected} unexpected answers (expected ${expect}), the first: ${firstUnexpected}`);
  }
  console.log(JSON.stringify({
    coldMs, rssKb: start.VmRSS, rssAnonKb: start.RssAnon, rssFileKb: start.RssFile,
    calls, seconds: elapsed, perSecond: calls / elapsed,
    serverCpuUsPerCall: (serverCpu * 1000) / calls, clientCpuUsPerCall: (clientCpu.user + clientCpu.system) / calls,
    serverSwitchesPerCall: serverSwitches / calls, serverThreads: readdirSync(`/proc/${pid}/task`).length,
    rssAfterKb: after.VmRSS, stderrBytes, unexpected, firstUnexpected,
  }));
  await client.close();
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.message ?? error), stderrBytes, stderrTail }));
  await client.close().catch(() => {});
  process.exit(3);
}
