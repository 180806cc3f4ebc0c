using System.Net;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol.Client;

namespace Keybrake.Mcp.Tests.Console;

/// <summary>The operators' console of <c>serve --http --console</c>, over real HTTP, against a real server, ledger and Stripe double.</summary>
public sealed class ConsoleTests
{
    private static Dictionary<string, object?> Args(object anonymous) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(System.Text.Json.JsonSerializer.Serialize(anonymous))!;

    private static async Task<(HttpHarness Server, ConsoleClient Console)> SignedInAsync(StripeWorld world, string operatorName = "alice")
    {
        var server = await HttpHarness.StartAsync(world, console: true);
        var console = new ConsoleClient(server.BaseUrl);
        using var signedIn = await console.SignInAsync(await server.IssueOperatorTokenAsync(operatorName));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await console.GetAsync("/console/")).Status);
        return (server, console);
    }

    private static SqlLedger Ledger(StripeWorld world) => new(new SqliteDatabase(world.DatabasePath), TimeProvider.System);

    [Fact]
    public async Task Pages_need_a_signed_in_operator_and_agent_tokens_do_not_sign_in()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = await HttpHarness.StartAsync(world, console: true);
        using var console = new ConsoleClient(server.BaseUrl);

        var (status, _, response) = await console.GetAsync("/console/approvals");
        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal("/console/sign-in", response.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await console.GetAsync("/console/budgets", new Dictionary<string, string> { ["X-Keybrake-Fragment"] = "main" })).Status);
        using (var unsigned = await console.PostAsync("/console/agents/revoke", new() { ["agent"] = "refund-bot" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        var agentToken = await server.IssueTokenAsync("refund-bot");
        foreach (var wrong in new[] { agentToken, "kbo_000000000000_notarealsecret", "" })
        {
            using var refused = await console.SignInAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("not a live operator token", await refused.Content.ReadAsStringAsync());
        }

        var operatorToken = await server.IssueOperatorTokenAsync("alice");
        using var signedIn = await console.SignInAsync(operatorToken);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("keybrake_console=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/console", cookie, StringComparison.OrdinalIgnoreCase);
        var page = await console.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("signed in as <b>alice</b>", page.Body);
        Assert.Contains("default-src 'none'", page.Response.Headers.GetValues("Content-Security-Policy").Single());

        // An operator's token is no agent's: /mcp refuses it.
        using var http = new HttpClient();
        using var mcp = new HttpRequestMessage(HttpMethod.Post, server.Endpoint) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        mcp.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(mcp)).StatusCode);

        // Only hashes are stored: neither the token nor the session cookie's secret is in the ledger file.
        await server.DisposeAsync();
        var ledgerBytes = System.Text.Encoding.ASCII.GetString(await File.ReadAllBytesAsync(world.DatabasePath));
        Assert.DoesNotContain(operatorToken[^20..], ledgerBytes);
        Assert.DoesNotContain(cookie.Split(';')[0].Split('=')[1][^20..], ledgerBytes);
    }

    [Fact]
    public async Task Forms_from_another_origin_or_without_the_sessions_token_change_nothing()
    {
        await using var world = await StripeWorld.StartAsync();
        var (server, console) = await SignedInAsync(world);
        await using var _ = server;
        using var __ = console;
        using var other = new ConsoleClient(server.BaseUrl);
        using (await other.SignInAsync(await server.IssueOperatorTokenAsync("bob")))
        {
        }

        await other.GetAsync("/console/");

        var attempts = new (string What, string? Origin, string? Csrf, HttpStatusCode Expected)[]
        {
            ("a foreign site", "https://evil.example", null, HttpStatusCode.Forbidden),
            ("another page on this machine", "http://127.0.0.1:1", null, HttpStatusCode.Forbidden),
            ("no CSRF token", null, "", HttpStatusCode.Forbidden),
            ("another session's CSRF token", null, other.Csrf, HttpStatusCode.Forbidden),
        };
        foreach (var (what, origin, csrf, expected) in attempts)
        {
            using var refused = await console.PostAsync("/console/agents/revoke", new() { ["agent"] = "refund-bot" }, origin: origin, csrf: csrf);
            Assert.True(refused.StatusCode == expected, $"{what}: {refused.StatusCode}");
        }

        // A request naming no origin at all (no Origin, no Referer) is no browser form of this console either.
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = console.Cookies, AllowAutoRedirect = false }) { BaseAddress = server.BaseUrl };
        using var bare = await http.PostAsync("/console/agents/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["agent"] = "refund-bot", ["_csrf"] = console.Csrf! }));
        Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);

        Assert.Null(await Ledger(world).FindRevocationAsync(new CallIdentity("refund-bot", "support-refunds"), CancellationToken.None));
    }

    [Fact]
    public async Task Revoking_from_the_console_refuses_the_agents_next_call_and_records_the_operator()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var (server, console) = await SignedInAsync(world);
        await using var _ = server;
        using var __ = console;
        var token = await server.IssueTokenAsync("refund-bot");
        await using (var agent = await server.ConnectAsync(token))
        {
            (await agent.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 100 }))).AssertSuccess();

            using var revoked = await console.PostAsync("/console/agents/revoke", new() { ["agent"] = "refund-bot", ["reason"] = "incident 7" });
            Assert.Equal(HttpStatusCode.SeeOther, revoked.StatusCode);
            await Assert.ThrowsAnyAsync<Exception>(async () => await agent.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 200 })));
        }

        var page = await console.GetAsync("/console/");
        Assert.Contains("revoked agent &#x27;refund-bot&#x27;", page.Body);
        Assert.Matches("data-agent=\"refund-bot\">.*?status-revoked.*?agent:refund-bot: incident 7", page.Body);
        var revocation = await Ledger(world).FindRevocationAsync(new CallIdentity("refund-bot", "support-refunds"), CancellationToken.None);
        Assert.Equal(("agent:refund-bot", "incident 7"), (revocation!.Scope, revocation.Reason));

        using (var reinstated = await console.PostAsync("/console/agents/reinstate", new() { ["scope"] = "agent:refund-bot" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, reinstated.StatusCode);
        }

        await using (var agent = await server.ConnectAsync(token))
        {
            (await agent.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 300 }))).AssertSuccess();
        }

        var actions = await new OperatorActions(new SqliteDatabase(world.DatabasePath), TimeProvider.System).ReadLatestAsync(10, CancellationToken.None);
        Assert.Equal(["reinstate", "revoke", "sign_in"], actions.Select(a => a.Action));
        Assert.All(actions, a => Assert.Equal("alice", a.Operator));
        Assert.Equal(("agent:refund-bot", "incident 7"), (actions[1].Target, actions[1].Detail));
        Assert.Contains("<td>alice</td><td>revoke</td>", (await console.GetAsync("/console/audit")).Body);
    }

    [Fact]
    public async Task An_approval_raised_by_an_agent_shows_what_a_human_needs_and_is_decided_in_the_console()
    {
        await using var world = await StripeWorld.StartAsync();
        world.EditManifest("support-refunds", m => m["tools"]!["issue_refund"]!["approvalAbove"] = "100.00 USD");
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 50000, "usd");
        var (server, console) = await SignedInAsync(world);
        await using var _ = server;
        using var __ = console;
        await using var agent = await server.ConnectAsync(await server.IssueTokenAsync("refund-bot"));
        var call = Args(new { payment_intent = intent, amount = 15000, ticket = "T-42", request_id = "r1" });

        var held = await agent.CallToolAsync("issue_refund", call);
        Assert.Equal("approval_required", held.ErrorCode());
        var approvalId = held.Structured().GetProperty("error").GetProperty("approval_id").GetString()!;

        var page = (await console.GetAsync("/console/approvals")).Body;
        var card = page[page.IndexOf($"data-approval=\"{approvalId}\"", StringComparison.Ordinal)..];
        foreach (var expected in new[] { "refund-bot", "issue_refund", "150.00 USD", intent, world.CustomerA, "T-42", "support-refunds" })
        {
            Assert.Contains(expected, card[..card.IndexOf("</section>", StringComparison.Ordinal)]);
        }

        using (var approved = await console.PostAsync("/console/approvals/approve", new() { ["id"] = approvalId }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
            Assert.Equal("/console/approvals", approved.Headers.Location!.OriginalString);
        }

        var done = await agent.CallToolAsync("issue_refund", call);
        done.AssertSuccess();
        Assert.Equal(15000, done.Structured().GetProperty("amount").GetInt64());
        var audit = await Ledger(world).ReadAuditAsync(new AuditQuery(), CancellationToken.None);
        Assert.Contains(audit, r => r.Message is { } m && m.Contains($"approval {approvalId} for 150.00 USD approved by alice (console)", StringComparison.Ordinal));

        // A denial, with its reason, reaches the agent's retry.
        var second = Args(new { payment_intent = intent, amount = 12000, ticket = "T-43", request_id = "r2" });
        var secondId = (await agent.CallToolAsync("issue_refund", second)).Structured().GetProperty("error").GetProperty("approval_id").GetString()!;
        await console.GetAsync("/console/approvals");
        using (var denied = await console.PostAsync("/console/approvals/deny", new() { ["id"] = secondId, ["reason"] = "not on this ticket" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, denied.StatusCode);
        }

        var refused = await agent.CallToolAsync("issue_refund", second);
        Assert.Equal("not_allowed", refused.ErrorCode());
        Assert.Contains("denied by alice (console) (approval " + secondId + "): not on this ticket", refused.ErrorMessage());

        // Deciding twice changes nothing and says so.
        using var again = await console.PostAsync("/console/approvals/approve", new() { ["id"] = secondId });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("it is denied", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_kill_switch_needs_its_confirmation_and_then_stops_every_agent()
    {
        await using var world = await StripeWorld.StartAsync();
        var (server, console) = await SignedInAsync(world);
        await using var _ = server;
        using var __ = console;

        using (var unconfirmed = await console.PostAsync("/console/kill-switch", new() { ["confirm"] = "stop", ["reason"] = "drill" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        }

        Assert.Null(await Ledger(world).FindRevocationAsync(new CallIdentity("capture-bot", "payment-capture"), CancellationToken.None));
        using (var confirmed = await console.PostAsync("/console/kill-switch", new() { ["confirm"] = "STOP", ["reason"] = "drill" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, confirmed.StatusCode);
        }

        Assert.Equal("all", (await Ledger(world).FindRevocationAsync(new CallIdentity("capture-bot", "payment-capture"), CancellationToken.None))!.Scope);
        await Assert.ThrowsAnyAsync<Exception>(async () => await server.ConnectAsync(await server.IssueTokenAsync("capture-bot")));
        Assert.Contains("id=\"kill-switch-on\"", (await console.GetAsync("/console/")).Body);

        using (var lifted = await console.PostAsync("/console/agents/reinstate", new() { ["scope"] = "all" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, lifted.StatusCode);
        }

        await using var back = await server.ConnectAsync(await server.IssueTokenAsync("capture-bot"));
        Assert.NotEmpty(await back.ListToolsAsync());
    }

    [Fact]
    public async Task Budgets_show_used_held_and_remaining_and_refresh_without_a_reload()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var (server, console) = await SignedInAsync(world);
        await using var _ = server;
        using var __ = console;
        await using var agent = await server.ConnectAsync(await server.IssueTokenAsync("refund-bot"));
        (await agent.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 1500 }))).AssertSuccess();

        var page = await console.GetAsync("/console/budgets");
        Assert.Contains("data-refresh=\"5\"", page.Body);
        var row = page.Body[page.Body.IndexOf("data-budget=\"refund-bot:day:USD\"", StringComparison.Ordinal)..];
        row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
        Assert.Contains("<td class=\"num used\">15.00 USD</td>", row);
        Assert.Contains("<td class=\"num remaining\">485.00 USD</td>", row);
        Assert.Contains("class=\"used w3\"", row);

        // What the page's script asks for: the content alone, marked as such.
        var fragment = await console.GetAsync("/console/budgets", new Dictionary<string, string> { ["X-Keybrake-Fragment"] = "main" });
        Assert.Equal("main", fragment.Response.Headers.GetValues("X-Keybrake-Fragment").Single());
        Assert.StartsWith("<h1>Budgets</h1>", fragment.Body);
    }

    [Fact]
    public async Task Revoking_an_operator_token_ends_the_console_sessions_it_signed_in()
    {
        await using var world = await StripeWorld.StartAsync();
        var (server, console) = await SignedInAsync(world);
        await using var _ = server;
        using var __ = console;
        var list = new StringWriter();
        Assert.Equal(0, await KeybrakeCli.RunAsync(["operator", "token", "list", "--json"], n => world.Env(n), list, new StringWriter()));
        var listed = System.Text.Json.JsonDocument.Parse(list.ToString().Trim()).RootElement;
        Assert.Equal("alice", listed.GetProperty("operator").GetString());

        Assert.Equal(0, await KeybrakeCli.RunAsync(["operator", "token", "revoke", listed.GetProperty("id").GetString()!], n => world.Env(n), new StringWriter(), new StringWriter()));

        var (status, _, response) = await console.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal("/console/sign-in", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task An_operator_name_is_checked_and_the_token_is_printed_once_on_stdout()
    {
        await using var world = await StripeWorld.StartAsync();
        var error = new StringWriter();
        Assert.Equal(2, await KeybrakeCli.RunAsync(["operator", "token", "issue", "alice smith"], n => world.Env(n), new StringWriter(), error));
        Assert.Contains("'alice smith' is not an operator name", error.ToString());

        var output = new StringWriter();
        error = new StringWriter();
        Assert.Equal(0, await KeybrakeCli.RunAsync(["operator", "token", "issue", "alice@example.com"], n => world.Env(n), output, error));
        var token = output.ToString().Trim();
        Assert.Matches("^kbo_[0-9a-f]{12}_[A-Za-z0-9-]{43}$", token);
        Assert.DoesNotContain(token, error.ToString());
    }

    [Fact]
    public async Task What_an_operator_does_in_the_console_reaches_the_roles_webhook_from_the_running_server()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var receiver = await Notifications.WebhookReceiver.StartAsync();
        world.EditManifest("support-refunds", m =>
        {
            m["tools"]!["issue_refund"]!["approvalAbove"] = "100.00 USD";
            m["notify"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["url"] = receiver.Url.ToString(), ["events"] = new System.Text.Json.Nodes.JsonArray("approval_requested", "approval_decided", "agent_revoked"),
                ["secretEnv"] = "KEYBRAKE_NOTIFY_SECRET",
            });
        });
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 50000, "usd");
        var environment = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_NOTIFY_SECRET"] = "whsec_console_test" };
        await using var server = await HttpHarness.StartAsync(world, environment, console: true);
        using var console = new ConsoleClient(server.BaseUrl);
        using (await console.SignInAsync(await server.IssueOperatorTokenAsync("alice")))
        {
        }

        await using var agent = await server.ConnectAsync(await server.IssueTokenAsync("refund-bot"));
        var held = await agent.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 15000, ticket = "T-42", request_id = "r1" }));
        var approvalId = held.Structured().GetProperty("error").GetProperty("approval_id").GetString()!;
        var requested = await ReceivedAsync(receiver, "approval_requested");
        Assert.Equal((approvalId, world.CustomerA, "T-42"), ((string)requested["approval_id"]!, (string)requested["customer"]!, (string)requested["ticket"]!));

        await console.GetAsync("/console/approvals");
        using (await console.PostAsync("/console/approvals/approve", new() { ["id"] = approvalId }))
        {
        }

        Assert.Equal("alice (console)", (string)(await ReceivedAsync(receiver, "approval_decided"))["decided_by"]!);
        using (await console.PostAsync("/console/agents/revoke", new() { ["agent"] = "refund-bot", ["reason"] = "drill" }))
        {
        }

        var revoked = await ReceivedAsync(receiver, "agent_revoked");
        Assert.Equal(("agent:refund-bot", "drill"), ((string)revoked["scope"]!, (string)revoked["reason"]!));
        Assert.All(receiver.Accepted, r => Assert.True(
            Keybrake.Mcp.Notifications.WebhookSignature.Verify(r.Signature, r.Body, "whsec_console_test", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)), r.Body));
    }

    // The server's dispatcher polls its outbox every second: wait for the event, a bounded while.
    private static async Task<System.Text.Json.Nodes.JsonObject> ReceivedAsync(Notifications.WebhookReceiver receiver, string type)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            if (receiver.Accepted.Select(r => r.Json).FirstOrDefault(j => (string?)j["type"] == type) is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no {type} event reached the webhook in 30 s; received: {string.Join(", ", receiver.Requests.Select(r => r.Body))}");
        return null!;
    }
}
