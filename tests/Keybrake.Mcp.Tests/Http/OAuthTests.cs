using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Mcp.Http;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.Protocol;

namespace Keybrake.Mcp.Tests.Http;

/// <summary>
/// /mcp as an OAuth resource server (DESIGN.md 3.6) against a real authorization server (node-oidc-provider): metadata,
/// the 401 that points at it, JWT access tokens naming agents, and every token that must be refused, beside kbk_ tokens.
/// </summary>
public sealed class OAuthTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private StripeWorld _world = null!;
    private OAuthIssuer _issuer = null!;
    private HttpHarness _server = null!;
    private Uri _resource = null!;

    public async ValueTask InitializeAsync()
    {
        _world = await StripeWorld.StartAsync();
        _resource = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/mcp");
        _issuer = await OAuthIssuer.StartAsync(_resource, ["refund-bot", "refund-bot-2", "stranger"]);
        _server = await HttpHarness.StartAsync(_world, oauth: new OAuthSettings(_issuer.Url, OAuthSettings.DefaultAgentClaim, _resource));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _issuer.DisposeAsync();
        await _world.DisposeAsync();
    }

    private async Task<HttpResponseMessage> InitializeWithAsync(string? token, Uri? resource = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, resource ?? _resource)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request);
    }

    private async Task AssertRefusedAsync(string token, HttpStatusCode status = HttpStatusCode.Unauthorized, HttpHarness? server = null, Uri? resource = null)
    {
        using var response = await InitializeWithAsync(token, resource);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        // Refused without a trace of the token: not in the answer, not in the logs.
        Assert.DoesNotContain(token, body + string.Join("\n", response.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}")));
        var logs = (server ?? _server).Logs.All;
        Assert.DoesNotContain(token, logs);
        if (token.Split('.') is [_, { Length: > 0 } payload, ..])
        {
            Assert.DoesNotContain(payload, logs);
        }
    }

    private static string Segment(string token, int index) => token.Split('.')[index];

    private static string Base64Url(string json) => Base64UrlEncoder.Encode(json);

    [Fact]
    public async Task The_protected_resource_metadata_names_this_resource_and_its_issuer()
    {
        foreach (var path in new[] { "/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource" })
        {
            using var response = await Http.GetAsync(new Uri(_resource, path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var metadata = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(_resource.ToString(), metadata["resource"]!.GetValue<string>());
            Assert.Equal(_issuer.Url.ToString().TrimEnd('/'), metadata["authorization_servers"]![0]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_request_without_a_token_gets_a_401_that_points_at_the_metadata()
    {
        using var response = await InitializeWithAsync(null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = string.Join(", ", response.Headers.WwwAuthenticate.Select(h => h.ToString()));
        Assert.Contains("Bearer", challenge);
        Assert.Contains($"resource_metadata=\"http://127.0.0.1:{_resource.Port}/.well-known/oauth-protected-resource/mcp\"", challenge);
    }

    [Fact]
    public async Task A_token_the_issuer_gave_the_agent_calls_its_tools_beside_kbk_tokens()
    {
        var intent = _world.Stripe.Account.AddPaymentIntent(_world.CustomerA, 5000, "usd");
        await using var viaJwt = await _server.ConnectAsync(await _issuer.TokenAsync("refund-bot"));
        await using var viaKbk = await _server.ConnectAsync(await _server.IssueTokenAsync("refund-bot-2"));

        Assert.Contains((await viaJwt.ListToolsAsync()), t => t.Name == "issue_refund");
        var refund = await viaJwt.CallToolAsync("issue_refund", new Dictionary<string, object?> { ["payment_intent"] = intent, ["amount"] = 700 });
        Assert.NotEqual(true, refund.IsError);
        var viaToken = await viaKbk.CallToolAsync("issue_refund", new Dictionary<string, object?> { ["payment_intent"] = intent, ["amount"] = 300 });
        Assert.NotEqual(true, viaToken.IsError);

        // The audit says how each caller proved who it is, never with what: the issuer and subject, the token's id.
        var ledger = new SqlLedger(new SqliteDatabase(_world.DatabasePath), TimeProvider.System);
        var rows = (await ledger.ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Where(r => r.Tool == "issue_refund").ToList();
        var byJwt = rows.Single(r => r.Agent == "refund-bot");
        var byToken = rows.Single(r => r.Agent == "refund-bot-2");
        Assert.Equal(("allowed", 700L, $"oauth:{_issuer.Url.ToString().TrimEnd('/')} refund-bot"), (byJwt.Outcome, byJwt.Amount!.Value, byJwt.Auth));
        Assert.Matches("^token:[0-9a-f]{12}$", byToken.Auth);
        Assert.True((await ledger.VerifyChainAsync(CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task The_official_TypeScript_client_and_the_OpenAI_Agents_SDK_call_tools_with_the_issuers_token()
    {
        var intent = _world.Stripe.Account.AddPaymentIntent(_world.CustomerA, 5000, "usd");
        var token = await _issuer.TokenAsync("refund-bot");
        string Steps(long amount) => System.Text.Json.JsonSerializer.Serialize(new[]
        {
            new { tool = "issue_refund", arguments = new Dictionary<string, object> { ["payment_intent"] = intent, ["amount"] = amount } },
        });

        var typescript = await NodeClients.RunScriptAsync("client.mjs", [_resource.ToString(), token, Steps(1100)], new Dictionary<string, string?>());
        var agents = await NodeClients.RunScriptAsync("agents.mjs", ["http", Steps(900), _resource.ToString(), token], new Dictionary<string, string?>());

        Assert.False(typescript.TryGetProperty("error", out var tsError), tsError.ToString());
        Assert.False(agents.TryGetProperty("error", out var agentsError), agentsError.ToString());
        Assert.Contains("\"amount\":1100", typescript.GetProperty("calls")[0].GetRawText());
        Assert.Equal([1100L, 900L], _world.Stripe.Account.GetRefunds().Select(r => (long)r["amount"]!).Order().Reverse());
    }

    [Fact]
    public async Task A_kbk_token_is_still_the_ledgers_whatever_the_case_of_its_scheme()
    {
        var token = await _server.IssueTokenAsync("refund-bot-2");
        var request = new HttpRequestMessage(HttpMethod.Post, _resource)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.TryAddWithoutValidation("Authorization", $"bearer {token}");

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_unsigned_token_is_refused()
    {
        var real = await _issuer.TokenAsync("refund-bot");
        var none = $"{Base64Url("""{"alg":"none","typ":"at+jwt"}""")}.{Segment(real, 1)}.";

        await AssertRefusedAsync(none);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_refused()
    {
        var real = await _issuer.TokenAsync("refund-bot");
        var claims = JsonNode.Parse(Base64UrlEncoder.Decode(Segment(real, 1)))!.AsObject();
        using var rsa = RSA.Create(2048);
        var forged = new JsonWebTokenHandler().CreateToken(claims.ToJsonString(),
            new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "test-key-1" }, SecurityAlgorithms.RsaSha256));

        await AssertRefusedAsync(forged);
    }

    [Fact]
    public async Task A_token_signed_with_the_public_key_as_an_hmac_secret_is_refused()
    {
        var real = await _issuer.TokenAsync("refund-bot");
        var jwks = JsonNode.Parse(await Http.GetStringAsync(new Uri(_issuer.Url, "/jwks")))!;
        var secret = Encoding.UTF8.GetBytes(jwks.ToJsonString());
        var forged = new JsonWebTokenHandler().CreateToken(Base64UrlEncoder.Decode(Segment(real, 1)),
            new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = "test-key-1" }, SecurityAlgorithms.HmacSha256));

        await AssertRefusedAsync(forged);
    }

    [Fact]
    public async Task A_token_with_an_edited_claim_is_refused()
    {
        var real = await _issuer.TokenAsync("stranger");
        var claims = JsonNode.Parse(Base64UrlEncoder.Decode(Segment(real, 1)))!.AsObject();
        claims["sub"] = "refund-bot";
        var edited = $"{Segment(real, 0)}.{Base64Url(claims.ToJsonString())}.{Segment(real, 2)}";

        await AssertRefusedAsync(edited);
    }

    [Fact]
    public async Task A_token_for_another_resource_is_refused()
    {
        await AssertRefusedAsync(await _issuer.TokenAsync("refund-bot", new Uri("http://127.0.0.1:1/other-mcp")));
    }

    [Fact]
    public async Task A_token_of_another_issuer_is_refused()
    {
        await using var other = await OAuthIssuer.StartAsync(_resource, ["refund-bot"]);

        await AssertRefusedAsync(await other.TokenAsync("refund-bot"));
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        await using var world = await StripeWorld.StartAsync();
        var resource = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/mcp");
        await using var issuer = await OAuthIssuer.StartAsync(resource, ["refund-bot"], tokenSeconds: 1);
        await using var server = await HttpHarness.StartAsync(world, oauth: new OAuthSettings(issuer.Url, OAuthSettings.DefaultAgentClaim, resource)
        {
            ClockSkew = TimeSpan.Zero,
        });
        var token = await issuer.TokenAsync("refund-bot");
        await using (await server.ConnectAsync(token))
        {
            // Accepted while it lives: the refusal below is the expiry's, nothing else.
        }

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        await AssertRefusedAsync(token, server: server, resource: resource);
    }

    [Fact]
    public async Task A_subject_that_is_no_agent_is_refused_with_403()
    {
        await AssertRefusedAsync(await _issuer.TokenAsync("stranger"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_revoked_agent_is_refused_at_the_door_whatever_credential_it_holds()
    {
        var jwt = await _issuer.TokenAsync("refund-bot");
        var kbk = await _server.IssueTokenAsync("refund-bot");
        await using (await _server.ConnectAsync(jwt))
        {
        }

        await new SqlLedger(new SqliteDatabase(_world.DatabasePath), TimeProvider.System).RevokeAsync("agent:refund-bot", "test", CancellationToken.None);

        await AssertRefusedAsync(jwt, HttpStatusCode.Forbidden);
        await AssertRefusedAsync(kbk, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("--auth-issuer", "http://idp.example.com/", "--auth-issuer: http://idp.example.com/ must use https")]
    [InlineData("--auth-issuer", "idp.example.com", "--auth-issuer: 'idp.example.com' is not an absolute http(s) URL")]
    [InlineData("--public-url", "https://mcp.example.com/mcp", "--auth-agent-claim and --public-url go with --auth-issuer")]
    public async Task Serve_refuses_an_issuer_it_cannot_trust_before_it_starts(string option, string value, string message)
    {
        var (code, _, error) = await InProcessCli.RunAsync(_world.Environment(), "serve", "--http", option, value);

        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData("http://*:8787", "give this server's public /mcp URL with --public-url")]
    [InlineData("http://0.0.0.0:8787", "give this server's public /mcp URL with --public-url")]
    public async Task Serve_with_an_issuer_on_a_wildcard_address_asks_for_the_public_url(string urls, string message)
    {
        var (code, _, error) = await InProcessCli.RunAsync(_world.Environment(), "serve", "--http", "--urls", urls, "--auth-issuer", "https://idp.example.com/");

        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task Serve_over_stdio_refuses_an_issuer()
    {
        var (code, _, error) = await InProcessCli.RunAsync(_world.Environment(), "serve", "--agent", "refund-bot", "--auth-issuer", "https://idp.example.com/");

        Assert.Equal(2, code);
        Assert.Contains("--auth-issuer goes with --http", error);
    }
}
