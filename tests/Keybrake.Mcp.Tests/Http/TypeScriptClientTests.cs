using System.Diagnostics;
using System.Text.Json;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Http;

/// <summary>
/// The official TypeScript MCP client (npm <c>@modelcontextprotocol/sdk</c>, protocol 2025-11-25) against the HTTP
/// server, and over stdio as hosts that pipe stderr and never read it start servers. The tests install it into
/// tests/e2e-ts (<c>npm ci</c>) when it is missing, and fail saying why when they cannot.
/// </summary>
public sealed class TypeScriptClientTests
{
    private static string ClientFolder => Path.Combine(BuiltTool.RepoRoot, "tests", "e2e-ts");

    private static async Task<JsonElement> RunClientAsync(Uri endpoint, string token, object steps)
    {
        await NodeClients.EnsureInstalledAsync(ClientFolder);
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ClientFolder };
        start.ArgumentList.Add("client.mjs");
        start.ArgumentList.Add(endpoint.ToString());
        start.ArgumentList.Add(token);
        start.ArgumentList.Add(JsonSerializer.Serialize(steps));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the TypeScript client did not finish in 60 s; stderr: {await stderr}");
        }

        var output = await stdout;
        Assert.True(output.Length > 0, $"the TypeScript client printed nothing; stderr: {await stderr}");
        return JsonDocument.Parse(output).RootElement;
    }

    [Fact]
    public async Task Official_typescript_client_lists_and_calls_governed_tools_over_http()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var outside = world.Stripe.Account.AddPaymentIntent(world.CustomerOutside, 5000, "usd");
        await using var server = await HttpHarness.StartAsync(world);
        var token = await server.IssueTokenAsync("refund-bot");

        var result = await RunClientAsync(server.Endpoint, token, new object[]
        {
            new { tool = "issue_refund", arguments = new { payment_intent = intent, amount = 1200, request_id = "ts-1" } },
            new { tool = "issue_refund", arguments = new { payment_intent = intent, amount = 1200, request_id = "ts-1" } },
            new { tool = "issue_refund", arguments = new { payment_intent = outside, amount = 100 } },
            new { tool = "get_payment_intent", arguments = new { payment_intent = intent } },
            new { tool = "get_customer", arguments = new { customer = world.CustomerA } },
        });

        Assert.False(result.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal("keybrake-mcp", result.GetProperty("server").GetString());
        var tools = result.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], tools.Keys.Order());
        Assert.Equal(20000, tools["issue_refund"].GetProperty("inputSchema").GetProperty("properties").GetProperty("amount").GetProperty("maximum").GetInt64());
        Assert.True(tools["issue_refund"].GetProperty("annotations").GetProperty("destructiveHint").GetBoolean());

        var calls = result.GetProperty("calls").EnumerateArray().ToList();
        Assert.Equal(1200, calls[0].GetProperty("structuredContent").GetProperty("amount").GetInt64());
        Assert.True(calls[1].GetProperty("structuredContent").GetProperty("replayed").GetBoolean());
        Assert.True(calls[2].GetProperty("isError").GetBoolean());
        Assert.Equal("not_allowed", calls[2].GetProperty("structuredContent").GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(intent, calls[3].GetProperty("structuredContent").GetProperty("id").GetString());
        Assert.Equal(world.CustomerA, calls[4].GetProperty("structuredContent").GetProperty("id").GetString());
        Assert.Single(world.Stripe.Account.GetRefunds());

        var revoked = await RunClientAsync(server.Endpoint, token[..^2] + "xx", Array.Empty<object>());
        Assert.True(revoked.TryGetProperty("error", out _));
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task Over_stdio_with_stderr_piped_and_never_read_the_server_keeps_answering()
    {
        // Hosts that start a server with stderr: "pipe" and never read it block a server that writes per call once the
        // pipe fills (~64 KB; ~200 calls of the old default logging). Quiet by default, it answers them all.
        using var dir = new TempDirectory();
        var (command, args) = NodeClients.ServerCommand("serve", "--sandbox", "--agent", "refund-bot");
        var call = JsonSerializer.Serialize(new { name = "issue_refund", arguments = new { payment_intent = "pi_SandboxPaid01", amount = 99999 } });

        var result = await NodeClients.RunScriptAsync("stdio-flood.mjs", ["600", call, command, .. args], new Dictionary<string, string?>
        {
            ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
            ["KEYBRAKE_DB"] = dir.File("keybrake.db"),
        }, TimeSpan.FromSeconds(180));

        Assert.False(result.TryGetProperty("error", out var error), $"{error} after {result.GetProperty("done")} calls");
        Assert.Equal(600, result.GetProperty("done").GetInt32());
    }
}
