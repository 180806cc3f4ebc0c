// The official TypeScript MCP client over stdio with stderr: "pipe" that is never read, as some hosts start servers:
// a server that writes to stderr on every call fills the pipe and blocks. Makes CALLS calls and prints one JSON object.
// Usage: node stdio-flood.mjs CALLS '<tool call>' COMMAND [ARGS...]   (the server's environment from KEYBRAKE_* variables)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [calls, callJson, command, ...args] = process.argv.slice(2);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(KEYBRAKE_|DOTNET_|XDG_|HOME$|PATH$)/.test(k)));
const transport = new StdioClientTransport({ command, args, env, stderr: "pipe" });
const client = new Client({ name: "keybrake-stdio-flood", version: "1.0.0" });
const started = Date.now();
let done = 0;
try {
  await client.connect(transport);
  const call = JSON.parse(callJson);
  for (; done < Number(calls); done++) {
    await client.callTool(call);
  }
  console.log(JSON.stringify({ done, ms: Date.now() - started }));
  await client.close();
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ done, error: String(error?.message ?? error) }));
  process.exit(3);
}
