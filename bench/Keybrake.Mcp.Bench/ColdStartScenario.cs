using System.Diagnostics;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// Process start to the <c>tools/list</c> response over stdio (spawn, initialize, initialized, tools/list), for the
/// published server in several forms, against a minimal stdio server on the official TypeScript SDK (the baseline).
/// Runs are interleaved; the first run of each is a warm-up (disk cache).
/// </summary>
public static class ColdStartScenario
{
    public const string NodeSdkVersion = "1.32.2";

    public static async Task RunAsync(int runs)
    {
        await using var stripe = await CannedStripe.StartAsync();
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: "coldstart");
        var jit = await Published.PathAsync(Published.Variant.Default);
        var r2r = await Published.PathAsync(Published.Variant.ReadyToRun);
        var aot = await Published.PathAsync(Published.Variant.NativeAot);
        var node = await NodeServerAsync();

        // Plain serve: a key and an API base that is never contacted before a call (port 9, discard).
        var plainEnv = new Dictionary<string, string?>(world.Environment)
        {
            ["KEYBRAKE_STRIPE_API_BASE"] = "http://127.0.0.1:9",
            ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = "rk_test_x",
        };
        var sandboxEnv = new Dictionary<string, string?>(world.Environment) { ["KEYBRAKE_DB"] = Path.Combine(world.Dir, "keybrake-sandbox.db") };
        string[] plain = ["serve", "--agent", "refund-bot"];
        string[] sandbox = ["serve", "--sandbox", "--agent", "refund-bot"];

        var cases = new List<(string Name, string File, string[] Args, IReadOnlyDictionary<string, string?>? Env, bool Judged)>
        {
            ($"TypeScript SDK {NodeSdkVersion} minimal server, node {NodeVersion()} (baseline)", "node", [Path.Combine(node, "server.mjs")], null, false),
            // Judged: the build README recommends for stdio servers; the others are for comparison.
            ("keybrake-mcp serve --agent (JIT, apphost)", Path.Combine(jit, "keybrake-mcp"), plain, plainEnv, false),
            ("keybrake-mcp serve --agent (ReadyToRun, apphost)", Path.Combine(r2r, "keybrake-mcp"), plain, plainEnv, false),
            ("keybrake-mcp serve --agent (Native AOT)", Path.Combine(aot, "keybrake-mcp"), plain, plainEnv, true),
            ("dotnet keybrake-mcp.dll serve --agent (JIT)", "dotnet", [Path.Combine(jit, "keybrake-mcp.dll"), .. plain], plainEnv, false),
            ("keybrake-mcp serve --sandbox --agent (JIT)", Path.Combine(jit, "keybrake-mcp"), sandbox, sandboxEnv, false),
            ("keybrake-mcp serve --sandbox --agent (ReadyToRun)", Path.Combine(r2r, "keybrake-mcp"), sandbox, sandboxEnv, false),
            ("keybrake-mcp serve --sandbox --agent (Native AOT)", Path.Combine(aot, "keybrake-mcp"), sandbox, sandboxEnv, false),
        };

        var samples = cases.Select(_ => new List<double>()).ToArray();
        for (var run = -1; run < runs; run++)
        {
            for (var k = 0; k < cases.Count; k++)
            {
                var ms = await TimeToToolsListAsync(cases[k].File, cases[k].Args, cases[k].Env);
                if (run >= 0)
                {
                    samples[k].Add(ms);
                }
            }
        }

        var baseline = Stats.Median(samples[0]);
        var table = new Table($"cold start: spawn -> initialize -> tools/list response over stdio ({runs} runs each, interleaved)");
        for (var k = 0; k < cases.Count; k++)
        {
            var median = Stats.Median(samples[k]);
            table.Add($"{cases[k].Name} [ms]", Stats.F(median, 1), Stats.F(Stats.Percentile(samples[k], 99), 1), $"{median / baseline:F2}x",
                cases[k].Judged ? "<= 150" : "-", cases[k].Judged ? median <= 150 : null);
        }

        table.Print();
    }

    public static async Task<double> TimeToToolsListAsync(string file, string[] args, IReadOnlyDictionary<string, string?>? env)
    {
        var t = Stopwatch.GetTimestamp();
        await using var server = StdioServer.Start(file, args, env);
        await server.InitializeAsync();
        var list = await server.RequestAsync("tools/list", []);
        var ms = Stats.Ms(Stopwatch.GetTimestamp() - t);
        if (list["result"]?["tools"] is not System.Text.Json.Nodes.JsonArray { Count: > 0 })
        {
            throw new InvalidOperationException($"tools/list: {list.ToJsonString()}\n{server.Stderr}");
        }

        return ms;
    }

    private static string NodeVersion()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true })!;
            var v = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return v;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    /// <summary>A folder with the SDK installed (npm, once) and a one-tool server.</summary>
    private static async Task<string> NodeServerAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "keybrake-bench", $"node-sdk-{NodeSdkVersion}");
        Directory.CreateDirectory(dir);
        if (!File.Exists(Path.Combine(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json")))
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "package.json"), """{ "name": "mcp-minimal", "private": true, "type": "module" }""");
            var (exit, _, stdout, stderr) = await Published.RunAsync("npm",
                ["install", $"@modelcontextprotocol/sdk@{NodeSdkVersion}", "--no-audit", "--no-fund", "--prefix", dir], null);
            if (exit != 0)
            {
                throw new InvalidOperationException($"npm install failed: {stdout}\n{stderr}");
            }
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "server.mjs"), """
            import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
            import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
            import { z } from "zod";

            const server = new McpServer({ name: "minimal", version: "1.0.0" });
            server.registerTool("echo", { description: "Echo the text back.", inputSchema: { text: z.string() } },
              async ({ text }) => ({ content: [{ type: "text", text }] }));
            await server.connect(new StdioServerTransport());
            """);
        return dir;
    }
}
