using System.Text.Json;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Console;

/// <summary>
/// The console in a real browser (Debian's chromium, driven by playwright-core from tests/console): an operator signs in,
/// approves a call an agent is waiting on and revokes an agent, and the agent's next calls show it. The screenshots in
/// the README come from here (artifacts/console/).
/// </summary>
public sealed class ConsoleBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static string Folder => Path.Combine(BuiltTool.RepoRoot, "tests", "console");

    private static string Screenshots => Path.Combine(BuiltTool.RepoRoot, "artifacts", "console");

    private static Dictionary<string, object?> Args(object anonymous) =>
        JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(anonymous))!;

    private static async Task<JsonElement> BrowseAsync(string scenario, Dictionary<string, string?> environment)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: the browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it)");
        await NodeClients.EnsureInstalledAsync(Folder);
        Directory.CreateDirectory(Screenshots);
        environment["SCREENSHOTS"] = Screenshots;
        environment["CHROMIUM"] = Chromium;
        var (code, output, error) = await NodeClients.RunAsync("node", Folder, ["console.mjs", scenario], environment, TimeSpan.FromMinutes(2));
        var json = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        Assert.True(json is not null, $"console.mjs {scenario} printed no JSON (exit {code}):\n{output}\n{error}");
        var result = JsonDocument.Parse(json!).RootElement.Clone();
        Assert.False(result.TryGetProperty("error", out var failed), $"console.mjs {scenario}: {failed}");
        return result;
    }

    [Fact]
    public async Task An_operator_approves_a_waiting_call_and_revokes_an_agent_from_the_browser()
    {
        await using var world = await StripeWorld.StartAsync();
        world.EditManifest("support-refunds", m => m["tools"]!["issue_refund"]!["approvalAbove"] = "100.00 USD");
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 50000, "usd");
        await using var server = await HttpHarness.StartAsync(world, console: true);
        var agentToken = await server.IssueTokenAsync("refund-bot");
        var operatorToken = await server.IssueOperatorTokenAsync("alice");
        await using var agent = await server.ConnectAsync(agentToken);
        Dictionary<string, string?> Env(string? approval = null) => new()
        {
            ["CONSOLE_URL"] = server.BaseUrl.ToString(), ["OPERATOR_TOKEN"] = operatorToken, ["AGENT_TOKEN"] = agentToken, ["AGENT"] = "refund-bot",
            ["APPROVAL_ID"] = approval,
        };

        // Signed out: every page leads to sign-in, and an agent's token does not sign in. A foreign page's form is refused.
        var signedOut = await BrowseAsync("signed-out", Env());
        Assert.Equal("/console/sign-in", signedOut.GetProperty("landedOn").GetString());
        Assert.StartsWith("That is not a live operator token", signedOut.GetProperty("refusal").GetString());
        Assert.Equal(403, signedOut.GetProperty("foreignStatus").GetInt32());
        Assert.Contains("its Origin differs", signedOut.GetProperty("foreignBody").GetString());
        Assert.Null(await new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System)
            .FindRevocationAsync(new CallIdentity("refund-bot", "support-refunds"), CancellationToken.None));

        // An agent's call waits for a human; the operator sees it in the browser and approves it; the retry passes.
        var call = Args(new { payment_intent = intent, amount = 15000, ticket = "T-42", request_id = "r1" });
        var held = await agent.CallToolAsync("issue_refund", call);
        Assert.Equal("approval_required", held.ErrorCode());
        var approvalId = held.Structured().GetProperty("error").GetProperty("approval_id").GetString()!;
        var approved = await BrowseAsync("approve", Env(approvalId));
        Assert.Equal("alice", approved.GetProperty("signedInAs").GetString());
        var card = approved.GetProperty("card").GetString()!;
        foreach (var expected in new[] { "refund-bot", "issue_refund", "150.00 USD", intent, world.CustomerA, "T-42" })
        {
            Assert.Contains(expected, card);
        }

        Assert.StartsWith($"approved {approvalId}", approved.GetProperty("notice").GetString());
        Assert.Contains("alice (console)", approved.GetProperty("recent").GetString());
        (await agent.CallToolAsync("issue_refund", call)).AssertSuccess();

        // Revoked from the page: the agent's very next call is refused.
        var revoked = await BrowseAsync("revoke", Env());
        Assert.StartsWith("revoked agent 'refund-bot'", revoked.GetProperty("notice").GetString());
        Assert.Contains("seen in the console", revoked.GetProperty("status").GetString());
        Assert.True(revoked.GetProperty("budgetRows").GetInt32() > 0);
        await Assert.ThrowsAnyAsync<Exception>(async () => await agent.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 100 })));
        Assert.True(File.Exists(Path.Combine(Screenshots, "console-approvals.png")));
    }
}
