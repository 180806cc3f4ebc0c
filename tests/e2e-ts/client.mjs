// Connects the official TypeScript MCP client to a keybrake-mcp HTTP server and runs the steps given as JSON.
// Usage: node client.mjs URL TOKEN '[{"tool":"issue_refund","arguments":{...}}]'
// Prints one JSON object: the server's name, the protocol version, the tool names, and each call's result.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token, stepsJson] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "keybrake-e2e-ts", version: "1.0.0" });
try {
  await client.connect(transport);
  const tools = await client.listTools();
  const calls = [];
  for (const step of JSON.parse(stepsJson ?? "[]")) {
    calls.push(await client.callTool({ name: step.tool, arguments: step.arguments }));
  }
  console.log(JSON.stringify({
    server: client.getServerVersion()?.name,
    protocolVersion: transport.protocolVersion ?? null,
    tools: tools.tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema, annotations: t.annotations })),
    calls,
  }));
  await client.close();
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.message ?? error), code: error?.code ?? null }));
  // An open event stream would keep Node alive; the answer is already printed.
  process.exit(3);
}
