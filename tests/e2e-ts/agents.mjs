// Connects the OpenAI Agents SDK for JS to a keybrake-mcp server, without a model: lists the tools as the SDK converts
// them for a model (strict function schemas, as agents get with mcpConfig.convertSchemasToStrict), and invokes them as
// the SDK does for a model's tool call. Prints one JSON object.
//
// Usage: node agents.mjs stdio '<steps>' COMMAND [ARGS...]       the server's environment comes from KEYBRAKE_* variables
//        node agents.mjs http  '<steps>' URL TOKEN
// Steps: [{"tool":"issue_refund","arguments":{...}}]
import { MCPServerStdio, MCPServerStreamableHttp, RunContext, getAllMcpTools } from "@openai/agents";

// The SDK reports a schema it could not make strict with console.warn and uses it non-strict; keep the reason per tool.
process.env.OPENAI_AGENTS_DONT_LOG_TOOL_DATA = "0";
const warnings = [];
console.warn = (...args) => warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));

const [mode, stepsJson, target, ...rest] = process.argv.slice(2);
const server = mode === "stdio"
  ? new MCPServerStdio({
      name: "keybrake",
      command: target,
      args: rest,
      clientSessionTimeoutSeconds: 30,
      // The SDK passes the child only HOME, PATH and a few more, plus env: forward the server's settings.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(KEYBRAKE_|DOTNET_|XDG_)/.test(k))),
    })
  : new MCPServerStreamableHttp({
      name: "keybrake",
      url: target,
      clientSessionTimeoutSeconds: 30,
      requestInit: { headers: { Authorization: `Bearer ${rest[0]}` } },
    });

let code = 0;
try {
  await server.connect();
  const listed = await server.listTools();
  const tools = [];
  for (const tool of listed) {
    const before = warnings.length;
    const [converted] = await getAllMcpTools({ mcpServers: [only(server, tool)], convertSchemasToStrict: true });
    tools.push({ name: converted.name, strict: converted.strict, reason: warnings.slice(before).join(" | ") || null, function: converted });
  }

  const calls = [];
  for (const step of JSON.parse(stepsJson)) {
    const tool = tools.find((t) => t.name === step.tool)?.function;
    if (!tool) throw new Error(`no tool ${step.tool}`);
    // What a model's tool call becomes: the JSON arguments, through the converted (strict) function.
    calls.push(await tool.invoke(new RunContext({}), JSON.stringify(step.arguments)));
  }

  console.log(JSON.stringify({ tools: tools.map(({ name, strict, reason }) => ({ name, strict, reason })), calls }));
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.message ?? error) }));
  code = 3;
} finally {
  await server.close().catch(() => {});
}
process.exit(code);

// The server as the SDK sees it, listing one tool: conversion warnings then belong to that tool.
function only(mcp, tool) {
  return {
    name: mcp.name,
    cacheToolsList: false,
    connect: () => mcp.connect(),
    close: () => mcp.close(),
    listTools: async () => [tool],
    callTool: (...args) => mcp.callTool(...args),
    invalidateToolsCache: async () => {},
  };
}
