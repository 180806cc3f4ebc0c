using System.Text.Json;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Clients;

/// <summary>
/// MCP Inspector 2.x's CLI (npm <c>@modelcontextprotocol/inspector</c> 2.12 on Node 22, both from npm): it lists every
/// role's tools with its schema-portability lint in strict mode (no finding may remain), and calls them, over stdio and
/// over Streamable HTTP with a bearer token.
/// </summary>
[Trait("Category", "Process")]
public sealed class McpInspectorTests
{
    private static async Task<(int Code, JsonElement Json, string Stderr)> InspectAsync(TempDirectory home, params string[] args)
    {
        await NodeClients.EnsureInstalledAsync(NodeClients.InspectorFolder);
        var environment = new Dictionary<string, string?>
        {
            // It keeps its own settings under HOME; Node 22 first on PATH, for the 'node' its launcher runs.
            ["HOME"] = home.Path,
            ["PATH"] = Path.GetDirectoryName(NodeClients.Node22) + ":" + Environment.GetEnvironmentVariable("PATH"),
        };
        var launcher = Path.Combine(NodeClients.InspectorFolder, "node_modules", ".bin", "mcp-inspector");
        var (code, stdout, stderr) = await NodeClients.RunAsync(NodeClients.Node22, NodeClients.InspectorFolder, [launcher, "--cli", .. args, "--format", "json"],
            environment, TimeSpan.FromSeconds(120));
        var start = stdout.IndexOf('{');
        Assert.True(start >= 0, $"the inspector printed no JSON (exit {code}):\n{stdout}\n{stderr}");
        return (code, JsonDocument.Parse(stdout[start..]).RootElement.Clone(), stderr);
    }

    private static string[] Stdio(TempDirectory dir, string agent)
    {
        var (command, args) = NodeClients.ServerCommand("serve", "--sandbox", "--agent", agent);
        return [command, .. args, "-e", $"KEYBRAKE_MANIFESTS={Path.Combine(BuiltTool.RepoRoot, "tool-manifests")}", "-e", $"KEYBRAKE_DB={dir.File("keybrake.db")}"];
    }

    private static string Text(JsonElement result) => result.GetProperty("content")[0].GetProperty("text").GetString()!;

    [Theory]
    [InlineData("refund-bot")]
    [InlineData("capture-bot")]
    [InlineData("billing-bot")]
    [InlineData("plan-bot")]
    [InlineData("analytics-bot")]
    public async Task Every_schema_of_every_shipped_role_passes_the_portability_lint_in_strict_mode(string agent)
    {
        using var dir = new TempDirectory();

        var (code, json, stderr) = await InspectAsync(dir, [.. Stdio(dir, agent), "--method", "tools/list", "--strict"]);

        Assert.True(code == 0, stderr);
        Assert.False(json.TryGetProperty("schemaFindings", out var findings), findings.ToString());
        Assert.NotEmpty(json.GetProperty("result").GetProperty("tools").EnumerateArray());
    }

    [Fact]
    public async Task Over_stdio_it_calls_a_tool_and_reads_a_refusal_with_its_code()
    {
        using var dir = new TempDirectory();

        var (code, json, stderr) = await InspectAsync(dir, [.. Stdio(dir, "refund-bot"), "--method", "tools/call", "--tool-name", "issue_refund",
            "--tool-arg", "payment_intent=pi_SandboxPaid03", "amount=700"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(700, json.GetProperty("result").GetProperty("structuredContent").GetProperty("amount").GetInt64());

        var (refusedCode, refused, _) = await InspectAsync(dir, [.. Stdio(dir, "refund-bot"), "--method", "tools/call", "--tool-name", "issue_refund",
            "--tool-arg", "payment_intent=pi_SandboxPaid03", "amount=99999"]);
        Assert.Equal(5, refusedCode); // the inspector's exit code for a tool error
        Assert.StartsWith("invalid_arguments: ", Text(refused.GetProperty("result")));
    }

    [Fact]
    public async Task Over_streamable_http_it_sends_the_token_and_calls_a_tool()
    {
        using var home = new TempDirectory();
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var server = await HttpHarness.StartAsync(world);
        var token = await server.IssueTokenAsync("refund-bot");

        var (listCode, list, listErr) = await InspectAsync(home, server.Endpoint.ToString(), "--transport", "http", "--header", $"Authorization: Bearer {token}",
            "--method", "tools/list", "--strict");
        var (callCode, call, callErr) = await InspectAsync(home, server.Endpoint.ToString(), "--transport", "http", "--header", $"Authorization: Bearer {token}",
            "--method", "tools/call", "--tool-name", "issue_refund", "--tool-arg", $"payment_intent={intent}", "amount=800");

        Assert.True(listCode == 0, listErr);
        Assert.False(list.TryGetProperty("schemaFindings", out var findings), findings.ToString());
        Assert.True(callCode == 0, callErr);
        Assert.Equal(800, call.GetProperty("result").GetProperty("structuredContent").GetProperty("amount").GetInt64());
        Assert.Equal(800, (long)Assert.Single(world.Stripe.Account.GetRefunds())["amount"]!);
    }
}
