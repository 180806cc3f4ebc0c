using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Mcp;

/// <summary>Processes killed mid-call and processes racing each other: the ledger must agree with Stripe afterwards.</summary>
[Trait("Category", "Process")]
public sealed class CrashSafetyTests
{
    private static Dictionary<string, object?> Args(object anonymous) =>
        System.Text.Json.JsonSerializer.SerializeToElement(anonymous).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);

    [Fact]
    public async Task Kill_9_at_random_points_loses_no_money_movement_and_reconciles_every_hold()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var world = await StripeWorld.StartAsync(agentDayBudget: "1500.00 USD");
        var env = world.Environment();
        // Stripe takes a while to answer, so kills land before, during and after the request reaches it.
        world.Stripe.Faults.Delay("POST", "/v1/refunds", TimeSpan.FromMilliseconds(250), applyChange: true, times: 1000);
        const int rounds = 8;
        for (var round = 0; round < rounds; round++)
        {
            var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 1000 + round, "usd");
            await using var server = await KillableServer.StartAsync("refund-bot", env);
            var call = server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, request_id = $"r{round}" })).AsTask();
            await Task.Delay(random.Next(0, 600));
            server.Kill();
            await Task.WhenAny(call, Task.Delay(2000));
        }

        await Task.Delay(500); // requests in flight at Stripe finish
        var output = new StringWriter();
        Assert.Equal(0, await KeybrakeCli.RunAsync(["reconcile", "--older-than", "0s"], n => env.GetValueOrDefault(n), output, new StringWriter()));

        var ledger = new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System);
        var audit = (await ledger.ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Where(r => r.Tool == "issue_refund").ToList();
        var refunds = world.Stripe.Account.GetRefunds();
        var context = $"seed {seed}; reconcile said:\n{output}";
        Assert.DoesNotContain(audit, r => r.Outcome == "unknown");
        foreach (var refund in refunds)
        {
            var rows = audit.Where(r => r.CallId == (string?)refund["metadata"]!["keybrake_call"]).ToList();
            var row = Assert.Single(rows);
            Assert.True(row.Outcome == "allowed" && row.Amount == (long)refund["amount"]!, $"{row.CallId}: {row.Outcome} {row.Amount}; {context}");
        }

        Assert.Equal(refunds.Count, audit.Count(r => r.Outcome == "allowed"));
        var usage = (await ledger.ReadUsageAsync(ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!.Roles["support-refunds"], CancellationToken.None))
            .Single(u => u.Agent == "refund-bot");
        Assert.Equal((refunds.Sum(r => (long)r["amount"]!), 0L), (usage.SettledMinor, usage.HeldMinor));
        Assert.True((await ledger.VerifyChainAsync(CancellationToken.None)).Ok, context);
    }

    [Fact]
    public async Task A_refund_still_processing_at_stripe_when_its_server_is_killed_is_never_settled_as_failed()
    {
        await using var world = await StripeWorld.StartAsync();
        var env = world.Environment();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 2000, "usd");
        var atStripe = world.Stripe.Faults.Delay("POST", "/v1/refunds", TimeSpan.FromSeconds(6), applyChange: true);
        var arguments = Args(new { payment_intent = intent, request_id = "ticket-42" });
        await using (var server = await KillableServer.StartAsync("refund-bot", env))
        {
            _ = server.Client.CallToolAsync("issue_refund", arguments).AsTask();
            while (atStripe.Remaining > 0)
            {
                await Task.Delay(20);
            }

            server.Kill();
        }

        await Task.Delay(1200); // older than --older-than 1s, while Stripe still has ~5 s to go

        // Stripe is still working on it: the request sent again with its key is answered 409, so the call stays unknown
        // and its 20.00 stay held. Settling it as "did not happen" here is what lost the money before.
        var first = new StringWriter();
        var code = await KeybrakeCli.RunAsync(["reconcile", "--older-than", "1s"], n => env.GetValueOrDefault(n), first, new StringWriter());
        var ledger = new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System);
        var row = (await ledger.ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Single(r => r.Tool == "issue_refund");
        Assert.True(row.Outcome == "unknown", $"reconcile said: {first}");
        Assert.Equal(1, code);
        Assert.Contains("still processing", first.ToString());

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (world.Stripe.Account.GetRefunds().Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, await KeybrakeCli.RunAsync(["reconcile", "--older-than", "1s"], n => env.GetValueOrDefault(n), new StringWriter(), new StringWriter()));
        row = (await ledger.ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Single(r => r.Tool == "issue_refund");
        Assert.Equal(("allowed", 2000L), (row.Outcome, row.Amount));
        var usage = (await ledger.ReadUsageAsync(ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!.Roles["support-refunds"], CancellationToken.None))
            .Single(u => u.Agent == "refund-bot");
        Assert.Equal((2000L, 0L), (usage.SettledMinor, usage.HeldMinor));

        // The agent's retry learns the true outcome: the refund, replayed, not an idempotency error.
        await using var again = await BuiltTool.ServeAsync("refund-bot", env);
        var retry = await again.Client.CallToolAsync("issue_refund", arguments);
        retry.AssertSuccess();
        Assert.True(retry.Structured().GetProperty("replayed").GetBoolean());
        Assert.Equal(2000, retry.Structured().GetProperty("amount").GetInt64());
        Assert.Single(world.Stripe.Account.GetRefunds());
    }

    [Fact]
    public async Task Three_processes_over_several_trials_never_overshoot_the_role_budget()
    {
        for (var trial = 0; trial < 3; trial++)
        {
            await using var world = await StripeWorld.StartAsync(agentDayBudget: "2000.00 USD");
            var env = world.Environment();
            var amount = 3700 + (trial * 1100);
            var intents = Enumerable.Range(0, 90).Select(_ => world.Stripe.Account.AddPaymentIntent(world.CustomerA, amount, "usd")).ToList();
            var servers = new[]
            {
                await BuiltTool.ServeAsync("refund-bot", env),
                await BuiltTool.ServeAsync("refund-bot-2", env),
                await BuiltTool.ServeAsync("refund-bot", env),
            };
            try
            {
                var results = await Task.WhenAll(intents.Select((intent, i) =>
                    servers[i % 3].Client.CallToolAsync("issue_refund", Args(new { payment_intent = intent })).AsTask()));
                var refunded = world.Stripe.Account.GetRefunds().Sum(r => (long)r["amount"]!);
                Assert.Equal(200_000 / amount * amount, refunded); // exactly as many as fit, never one more
                Assert.All(results.Where(r => r.IsError == true), r => Assert.Equal("budget_exceeded", r.ErrorCode()));
            }
            finally
            {
                foreach (var server in servers)
                {
                    await server.DisposeAsync();
                }
            }
        }
    }
}
