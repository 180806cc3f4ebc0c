using Keybrake.Mcp.Ledger.Sqlite;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol.Client;

namespace Keybrake.Mcp.Tests.Http;

/// <summary>Streamable HTTP on 127.0.0.1: many agents at once, tokens, origin and host checks, instant revoke.</summary>
public sealed class HttpServerTests
{
    private const string InitializeBody = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private static Dictionary<string, object?> Args(object anonymous) =>
        System.Text.Json.JsonSerializer.SerializeToElement(anonymous).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);

    private static HttpRequestMessage RawPost(Uri endpoint, string? token = null, string? origin = null, string body = InitializeBody)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return request;
    }

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    [InlineData(null)]
    public async Task Several_agents_each_see_and_use_only_their_roles_tools(string? protocolVersion)
    {
        await using var world = await StripeWorld.StartAsync();
        var refundIntent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var captureIntent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 7000, "usd", manualCapture: true);
        await using var server = await HttpHarness.StartAsync(world);
        await using var refunds = await server.ConnectAsync(await server.IssueTokenAsync("refund-bot"), protocolVersion);
        await using var captures = await server.ConnectAsync(await server.IssueTokenAsync("capture-bot"), protocolVersion);

        var refundTools = (await refunds.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        var captureTools = (await captures.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], refundTools);
        Assert.Equal(["capture_payment_intent", "get_payment_intent"], captureTools);

        var results = await Task.WhenAll(
            refunds.CallToolAsync("issue_refund", Args(new { payment_intent = refundIntent, amount = 1500 })).AsTask(),
            captures.CallToolAsync("capture_payment_intent", Args(new { payment_intent = captureIntent })).AsTask());
        Assert.All(results, r => r.AssertSuccess());
        var crossed = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(
            () => refunds.CallToolAsync("capture_payment_intent", Args(new { payment_intent = captureIntent })).AsTask());
        Assert.Equal(ModelContextProtocol.McpErrorCode.InvalidParams, crossed.ErrorCode);

        var audit = await new Keybrake.Mcp.Ledger.SqlLedger(new Keybrake.Mcp.Ledger.Sqlite.SqliteDatabase(world.DatabasePath), TimeProvider.System)
            .ReadAuditAsync(new Keybrake.Mcp.Ledger.AuditQuery(), CancellationToken.None);
        Assert.Contains(audit, r => r is { Agent: "refund-bot", Tool: "issue_refund", Outcome: "allowed", Amount: 1500 });
        Assert.Contains(audit, r => r is { Agent: "capture-bot", Tool: "capture_payment_intent", Outcome: "allowed", Amount: 7000 });
        Assert.Contains(audit, r => r is { Agent: "refund-bot", Tool: "capture_payment_intent", Outcome: "denied" });
    }

    [Fact]
    public async Task Requests_without_or_with_a_bad_token_get_401_with_www_authenticate()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = await HttpHarness.StartAsync(world);
        using var http = new HttpClient();

        using var none = await http.SendAsync(RawPost(server.Endpoint));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.StartsWith("Bearer", none.Headers.WwwAuthenticate.ToString());

        using var wrong = await http.SendAsync(RawPost(server.Endpoint, "kbk_000000000000_notarealsecret"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("invalid_token", wrong.Headers.WwwAuthenticate.ToString());

        var real = await server.IssueTokenAsync("refund-bot");
        using var tampered = await http.SendAsync(RawPost(server.Endpoint, real[..^1] + (real[^1] == 'A' ? 'B' : 'A')));
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        using var ok = await http.SendAsync(RawPost(server.Endpoint, real));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_on_its_next_request()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = await HttpHarness.StartAsync(world);
        var output = new StringWriter();
        Assert.Equal(0, await KeybrakeCli.RunAsync(["token", "issue", "refund-bot"], n => world.Env(n), output, new StringWriter()));
        var token = output.ToString().Trim();
        Assert.StartsWith("kbk_", token);
        await using var client = await server.ConnectAsync(token, "2025-11-25");
        Assert.NotEmpty(await client.ListToolsAsync());

        var list = new StringWriter();
        await KeybrakeCli.RunAsync(["token", "list", "--json"], n => world.Env(n), list, new StringWriter());
        var id = System.Text.Json.JsonDocument.Parse(list.ToString().Trim()).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(0, await KeybrakeCli.RunAsync(["token", "revoke", id], n => world.Env(n), new StringWriter(), new StringWriter()));

        await Assert.ThrowsAnyAsync<Exception>(async () => await client.ListToolsAsync());
        using var http = new HttpClient();
        using var refused = await http.SendAsync(RawPost(server.Endpoint, token));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task A_revoked_agent_is_refused_at_the_door_on_every_request_whatever_token_it_holds()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var server = await HttpHarness.StartAsync(world);
        var token = await server.IssueTokenAsync("refund-bot");
        await using var client = await server.ConnectAsync(token, "2025-11-25");
        (await client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 100 }))).AssertSuccess();

        Assert.Equal(0, await KeybrakeCli.RunAsync(["revoke", "refund-bot", "--reason", "drill"], n => world.Env(n), new StringWriter(), new StringWriter()));

        // The open session's next call, a new session's initialize, and a second token issued after the revoke: all 403.
        await Assert.ThrowsAnyAsync<Exception>(async () => await client.CallToolAsync("issue_refund", Args(new { payment_intent = intent, amount = 200 })));
        using var http = new HttpClient();
        foreach (var credential in new[] { token, await server.IssueTokenAsync("refund-bot") })
        {
            using var refused = await http.SendAsync(RawPost(server.Endpoint, credential));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Contains("\"code\":\"revoked\"", body);
            Assert.Contains("drill", body);
            Assert.DoesNotContain(credential, body);
        }

        Assert.Single(world.Stripe.Account.GetRefunds());
        Assert.Equal(0, await KeybrakeCli.RunAsync(["reinstate", "refund-bot"], n => world.Env(n), new StringWriter(), new StringWriter()));
        using var back = await http.SendAsync(RawPost(server.Endpoint, token));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task A_foreign_origin_is_refused_and_loopback_origins_pass()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = await HttpHarness.StartAsync(world);
        var token = await server.IssueTokenAsync("refund-bot");
        using var http = new HttpClient();

        using var foreign = await http.SendAsync(RawPost(server.Endpoint, token, origin: "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        using var local = await http.SendAsync(RawPost(server.Endpoint, token, origin: $"http://localhost:{server.BaseUrl.Port}"));
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
    }

    [Fact]
    public async Task A_foreign_host_header_is_refused()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = await HttpHarness.StartAsync(world);
        using var http = new HttpClient();
        var request = RawPost(server.Endpoint, await server.IssueTokenAsync("refund-bot"));
        request.Headers.Host = "attacker.example";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_is_refused()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = await HttpHarness.StartAsync(world);
        using var http = new HttpClient();
        var huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + new string('x', 2 * 1024 * 1024) + "\"}}";
        using var response = await http.SendAsync(RawPost(server.Endpoint, await server.IssueTokenAsync("refund-bot"), body: huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Tokens_are_stored_only_as_hashes_and_never_logged()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = await HttpHarness.StartAsync(world);
        var token = await server.IssueTokenAsync("refund-bot");
        await using (var client = await server.ConnectAsync(token))
        {
            await client.ListToolsAsync();
        }

        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(world.DatabasePath)!, "keybrake.db*"))
        {
            Assert.DoesNotContain(token.Split('_')[2], Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)));
        }

        Assert.DoesNotContain(token, server.Logs.All);
        Assert.DoesNotContain(StripeWorld.RefundKey, server.Logs.All);
    }
}
