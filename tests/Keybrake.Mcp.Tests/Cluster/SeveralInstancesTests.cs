using System.Diagnostics;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol.Protocol;

namespace Keybrake.Mcp.Tests.Cluster;

/// <summary>
/// Three <c>serve --http</c> processes on one PostgreSQL ledger keep the guarantees one process has: a role budget is
/// never exceeded by calls through all three at once; a revoke is seen by every instance on its next call; a call of an
/// instance killed while Stripe still works on it is settled to what Stripe did, by an instance still running.
/// </summary>
[Trait("Category", "Process")]
public sealed class SeveralInstancesTests
{
    private const int Trials = 3;
    private const long RefundMinor = 700;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The refunds role with a 100.00 USD role budget a day, and room enough per agent.</summary>
    private static async Task<StripeWorld> WorldAsync()
    {
        var world = await StripeWorld.StartAsync(agentDayBudget: "1000.00 USD");
        world.EditManifest("support-refunds", m => m["budgets"] = new JsonArray(
            new JsonObject { ["per"] = "agent", ["window"] = "day", ["limit"] = "1000.00 USD" },
            new JsonObject { ["per"] = "role", ["window"] = "day", ["limit"] = "100.00 USD" }));
        return world;
    }

    [Fact]
    public async Task Refunds_through_three_instances_at_once_never_exceed_the_role_budget()
    {
        await using var world = await WorldAsync();
        for (var trial = 0; trial < Trials; trial++)
        {
            await using var instances = await Instances.StartAsync(world, 3, "refund-bot", "refund-bot-2");
            var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => instances.ConnectAsync(i % 3, i < 3 ? "refund-bot" : "refund-bot-2")));
            var intents = Enumerable.Range(0, 30).Select(_ => world.Stripe.Account.AddPaymentIntent(world.CustomerA, RefundMinor, "usd")).ToList();
            var refundsBefore = world.Stripe.Account.GetRefunds().Sum(r => (long)r["amount"]!);
            // Each instance warmed up by a read first, so that none is still compiling when the burst comes.
            await Task.WhenAll(clients.Select(c => c.CallToolAsync("get_payment_intent", new Dictionary<string, object?> { ["payment_intent"] = intents[0] }).AsTask()));

            // 30 refunds of 7.00 at once, five through each client: 14 of them fit in 100.00 (98.00).
            using var go = new ManualResetEventSlim();
            var calls = intents.Select((pi, i) => Task.Run(async () =>
            {
                go.Wait(Ct);
                return await Instances.RefundAsync(clients[i % clients.Length], pi);
            })).ToList();
            go.Set();
            var results = await Task.WhenAll(calls);

            var allowed = results.Count(r => r.IsError != true);
            Assert.Equal(14, allowed);
            Assert.All(results.Where(r => r.IsError == true), r => Assert.Equal("budget_exceeded", r.ErrorCode()));
            var refunded = world.Stripe.Account.GetRefunds().Sum(r => (long)r["amount"]!) - refundsBefore;
            Assert.Equal(14 * RefundMinor, refunded);
            Assert.Equal((14 * RefundMinor, 0L), await instances.RoleSpendAsync("support-refunds"));
            // Several instances took some of them: one budget, shared across them, not split between them.
            var served = await instances.LedgerAsync(async l => (await l.ReadAuditAsync(new AuditQuery { Outcome = "allowed", Tool = "issue_refund" }, Ct))
                .Select(r => r.Instance).Distinct().Count());
            Assert.True(served >= 2, $"allowed refunds came through {served} instance(s)");
            Assert.True((await instances.LedgerAsync(l => l.VerifyChainAsync(Ct))).Ok);
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            foreach (var server in instances.Servers)
            {
                Assert.DoesNotContain(PostgresCluster.Password, server.Stderr);
            }
        }
    }

    [Fact]
    public async Task A_revoke_is_seen_by_every_instance_on_its_next_call()
    {
        await using var world = await WorldAsync();
        await using var instances = await Instances.StartAsync(world, 3, "refund-bot");
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, RefundMinor, "usd");
        var clients = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => instances.ConnectAsync(i, "refund-bot")));

        // Reads through all three, without pause, while the operator revokes the agent from the command line.
        long revokedAt = long.MaxValue;
        using var stop = new CancellationTokenSource();
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<(long Started, bool Refused)>();
        var readers = clients.Select(client => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                bool refused;
                try
                {
                    var result = await client.CallToolAsync("get_payment_intent", new Dictionary<string, object?> { ["payment_intent"] = intent }, cancellationToken: Ct);
                    refused = result.IsError == true && result.ErrorCode() == "revoked";
                    Assert.True(result.IsError != true || refused, result.Text());
                }
                catch (Exception ex) when (ex is HttpRequestException or ModelContextProtocol.McpException)
                {
                    // The door answers 403 to a revoked agent before the MCP request is read.
                    refused = true;
                }

                outcomes.Add((started, refused));
                if (refused)
                {
                    return;
                }
            }
        })).ToList();

        await Task.Delay(500, Ct);
        var revoke = await BuiltTool.RunAsync(instances.Environment, "revoke", "refund-bot", "--reason", "mid-burst");
        revokedAt = Stopwatch.GetTimestamp();
        Assert.True(revoke.ExitCode == 0, revoke.Stderr);
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await stop.CancelAsync();

        // Served before the revoke, and each instance's first call after it refused.
        Assert.Contains(outcomes, o => !o.Refused);
        Assert.DoesNotContain(outcomes, o => o.Started > revokedAt && !o.Refused);
        Assert.Equal(3, outcomes.Count(o => o.Refused));
        Assert.DoesNotContain(PostgresCluster.Password, revoke.Stdout + revoke.Stderr);
    }

    [Fact]
    public async Task A_call_of_an_instance_killed_while_Stripe_works_on_it_is_settled_to_what_Stripe_did()
    {
        await using var world = await WorldAsync();
        await using var instances = await Instances.StartAsync(world, 3, "refund-bot");
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, RefundMinor, "usd");
        var atStripe = world.Stripe.Faults.Delay("POST", "/v1/refunds", TimeSpan.FromSeconds(4));
        var client = await instances.ConnectAsync(0, "refund-bot");

        var call = Instances.RefundAsync(client, intent);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (atStripe.Remaining > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, Ct);
        }

        // The refund is at Stripe, which is still working on it: the instance that sent it dies now.
        instances.Servers[0].Kill();
        await Assert.ThrowsAnyAsync<Exception>(() => call);
        var held = await instances.RoleSpendAsync("support-refunds");
        Assert.Equal((0L, RefundMinor), held);

        // An instance still running settles the orphan: never as "did not happen" while Stripe works (409 for its key),
        // then as what Stripe did once it is done.
        AuditRecord? row = null;
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            row = await instances.LedgerAsync(async l => (await l.ReadAuditAsync(new AuditQuery { Tool = "issue_refund" }, Ct)).Single());
            Assert.NotEqual("failed", row.Outcome);
            if (row.Outcome == "allowed")
            {
                break;
            }

            await Task.Delay(200, Ct);
        }

        Assert.Equal(("allowed", (long?)RefundMinor), (row?.Outcome, row?.Amount));
        Assert.Single(world.Stripe.Account.GetRefunds());
        Assert.Equal((RefundMinor, 0L), await instances.RoleSpendAsync("support-refunds"));
        // Settled by sending the very request again, under its key: Stripe answered with what it had done, once.
        var sent = world.Stripe.Requests.Where(r => r.Method == "POST" && r.Path == "/v1/refunds").ToList();
        Assert.True(sent.Count >= 2, $"{sent.Count} request(s)");
        Assert.Single(sent.Select(r => r.IdempotencyKey).Distinct());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task Behind_a_round_robin_load_balancer_every_call_is_governed_by_one_ledger(string? protocolVersion)
    {
        await using var world = await WorldAsync();
        await using var instances = await Instances.StartAsync(world, 3, "refund-bot");
        await using var balancer = await Haproxy.StartAsync(instances.Servers.Select(s => s.Endpoint));
        var intents = Enumerable.Range(0, 16).Select(_ => world.Stripe.Account.AddPaymentIntent(world.CustomerA, RefundMinor, "usd")).ToList();

        // One client through the balancer: 2026-07-28 (no sessions: any instance answers any request), or 2025-11-25
        // (a session, kept on the instance that created it by the balancer's stickiness on Mcp-Session-Id).
        await using var client = await HttpServerProcess.ConnectAsync(balancer.Endpoint, instances.Tokens["refund-bot"], protocolVersion);
        Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], (await client.ListToolsAsync()).Select(t => t.Name).Order());
        var results = new List<CallToolResult>();
        foreach (var intent in intents)
        {
            results.Add(await Instances.RefundAsync(client, intent));
        }

        // 14 fit in the role's 100.00, whichever instance each one reached; the 15th and 16th are refused.
        Assert.Equal(14, results.Count(r => r.IsError != true));
        Assert.All(results.Skip(14), r => Assert.Equal("budget_exceeded", r.ErrorCode()));
        Assert.Equal((14 * RefundMinor, 0L), await instances.RoleSpendAsync("support-refunds"));
        var instancesUsed = await instances.LedgerAsync(async l => (await l.ReadAuditAsync(new AuditQuery { Tool = "issue_refund", Outcome = "allowed" }, Ct))
            .Select(r => r.Instance).Distinct().Count());
        Assert.Equal(protocolVersion is null ? 3 : 1, instancesUsed);
        Assert.True((await instances.LedgerAsync(l => l.VerifyChainAsync(Ct))).Ok);
    }

    [Fact]
    public async Task A_revoke_closes_every_instances_door_to_an_oauth_caller()
    {
        await using var world = await WorldAsync();
        var url = await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();
        var environment = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_DB"] = url };
        // Behind a load balancer every instance is the same resource: its public URL, the audience of the tokens.
        var port = LoopbackPort.Free();
        var resource = new Uri($"http://127.0.0.1:{port}/mcp");
        await using var issuer = await OAuthIssuer.StartAsync(resource, ["refund-bot"]);
        await using var first = await HttpServerProcess.StartAsync(environment, "--urls", $"http://127.0.0.1:{port}", "--auth-issuer", issuer.Url.ToString());
        await using var second = await HttpServerProcess.StartAsync(environment, "--auth-issuer", issuer.Url.ToString(), "--public-url", resource.ToString());
        var token = await issuer.TokenAsync("refund-bot");
        foreach (var server in new[] { first, second })
        {
            await using var client = await HttpServerProcess.ConnectAsync(server.Endpoint, token);
            Assert.Contains((await client.ListToolsAsync(cancellationToken: Ct)), t => t.Name == "issue_refund");
        }

        var revoked = await BuiltTool.RunAsync(environment, "revoke", "refund-bot");
        Assert.Equal(0, revoked.ExitCode);

        using var http = new HttpClient();
        foreach (var server in new[] { first, second })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint)
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                    System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("\"revoked\"", await response.Content.ReadAsStringAsync(Ct));
        }
    }
}
