using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Mcp;

/// <summary>The built tool as users run it: a separate process speaking MCP over stdio, sharing one ledger with others.</summary>
[Trait("Category", "Process")]
public sealed class StdioProcessTests
{
    private static Dictionary<string, object?> Args(object anonymous) =>
        System.Text.Json.JsonSerializer.SerializeToElement(anonymous).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);

    [Fact]
    public async Task Spawned_server_lists_tools_refunds_and_is_silent_on_stderr_by_default()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var server = await BuiltTool.ServeAsync("refund-bot", world.Environment());

        Assert.Equal("keybrake-mcp", server.Client.ServerInfo!.Name);
        var tools = (await server.Client.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], tools);
        for (var i = 0; i < 20; i++)
        {
            (await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 100 + i }))).AssertSuccess();
        }

        Assert.Equal(20, world.Stripe.Account.GetRefunds().Count);
        (await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 99999 }))).ErrorCode();

        // Everything on stdout was protocol (the client would have failed otherwise), and nothing per call on stderr:
        // warnings and errors only (a client that pipes stderr and never reads it must not block the server).
        await server.DisposeAsync();
        Assert.Equal("", server.Stderr.Trim());
    }

    [Fact]
    public async Task Log_level_information_shows_the_start_and_the_calls_on_stderr_without_the_key()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var server = await BuiltTool.ServeAsync("refund-bot", world.Environment(), "--log-level", "information");

        (await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 99999 }))).ErrorCode();

        await server.DisposeAsync();
        Assert.Contains("Serving agent refund-bot", server.Stderr);
        Assert.Contains("Refused issue_refund for refund-bot", server.Stderr);
        Assert.DoesNotContain(StripeWorld.RefundKey, server.Stderr);
    }

    [Fact]
    public async Task Revoke_from_the_terminal_stops_a_running_server_on_the_next_call()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var env = world.Environment();
        await using var server = await BuiltTool.ServeAsync("refund-bot", env);
        (await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 100 }))).AssertSuccess();

        var revoke = await BuiltTool.RunAsync(env, "revoke", "refund-bot", "--reason", "incident 42");
        Assert.Equal(0, revoke.ExitCode);
        var refused = await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 200 }));
        Assert.Equal("revoked", refused.ErrorCode());
        Assert.Contains("incident 42", refused.ErrorMessage());
        Assert.Single(world.Stripe.Account.GetRefunds());

        Assert.Equal(0, (await BuiltTool.RunAsync(env, "reinstate", "refund-bot")).ExitCode);
        (await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 300 }))).AssertSuccess();
        Assert.Equal(2, world.Stripe.Account.GetRefunds().Count);
    }

    [Fact]
    public async Task Two_processes_racing_on_one_budget_never_exceed_it()
    {
        // 500.00 USD a day per agent... and 2000.00 per role: two agents of the role in two processes,
        // each trying 30 refunds of 45.00 USD at once, may together move at most the role's 2000.00.
        await using var world = await StripeWorld.StartAsync(agentDayBudget: "1500.00 USD");
        var env = world.Environment();
        var intents = Enumerable.Range(0, 60).Select(_ => world.Stripe.Account.AddPaymentIntent(world.CustomerA, 4500, "usd")).ToList();
        await using var first = await BuiltTool.ServeAsync("refund-bot", env);
        await using var second = await BuiltTool.ServeAsync("refund-bot-2", env);

        var calls = intents.Select((intent, i) => (i % 2 == 0 ? first : second).Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent })).AsTask());
        var results = await Task.WhenAll(calls);

        var allowed = results.Count(r => r.IsError != true);
        var refused = results.Where(r => r.IsError == true).Select(r => r.ErrorCode()).ToList();
        Assert.All(refused, code => Assert.Equal("budget_exceeded", code));
        Assert.Equal(2000_00 / 4500, allowed); // 44 refunds of 45.00 fit in 2000.00; the 45th would not.
        var refunded = world.Stripe.Account.GetRefunds().Sum(r => (long)r["amount"]!);
        Assert.Equal(allowed * 4500L, refunded);
        Assert.True(refunded <= 2000_00);

        var audit = await new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System).ReadAuditAsync(new AuditQuery(), CancellationToken.None);
        Assert.Equal(refunded, audit.Where(r => r.Outcome == "allowed").Sum(r => r.Amount ?? 0));
        Assert.Equal(60, audit.Count);
    }
}
