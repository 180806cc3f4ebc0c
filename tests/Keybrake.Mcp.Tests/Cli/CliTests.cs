using System.Text.Json;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>The command line through its real root command, in process, with exit codes of the contract.</summary>
public sealed class CliTests
{
    private static Task<(int Code, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string?> env, params string[] args) =>
        InProcessCli.RunAsync(env, args);

    [Fact]
    public async Task Validate_passes_the_shipped_manifests()
    {
        var (code, output, error) = await RunAsync(new Dictionary<string, string?>(), "validate", "--manifests", Path.Combine(BuiltTool.RepoRoot, "tool-manifests"));
        Assert.True(code == 0, error);
        Assert.Contains("ok  support-refunds", output);
    }

    [Fact]
    public async Task Validate_reports_every_error_with_file_and_path_and_exits_1()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a.json"), """{ "role": "a", "stripe": { "keyEnv": "K", "mode": "test" }, "agents": ["x"], "budgets": [ { "per": "agent", "window": "day", "limit": "5.123 USD" } ], "tools": { "issue_refnd": {} } }""");
        File.WriteAllText(dir.File("b.json"), """{ "role": "b", "stripe": { "keyEnv": "K", "mode": "sandbox" }, "agents": ["x"], "tools": {} }""");
        var (code, _, error) = await RunAsync(new Dictionary<string, string?>(), "validate", "--manifests", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains($"{dir.File("a.json")}: $.budgets[0].limit", error);
        Assert.Contains($"{dir.File("a.json")}: $.tools.issue_refnd", error);
        Assert.Contains($"{dir.File("b.json")}: $.stripe.mode", error);
        Assert.Contains("$.agents[0]", error);
    }

    [Fact]
    public async Task Bad_usage_exits_2()
    {
        Assert.Equal(2, (await RunAsync(new Dictionary<string, string?>(), "revoke")).Code);
        Assert.Equal(2, (await RunAsync(new Dictionary<string, string?>(), "frobnicate")).Code);
        Assert.Equal(2, (await RunAsync(new Dictionary<string, string?>(), "audit", "--since", "yesterday")).Code);
    }

    [Fact]
    public async Task Revoke_of_an_unknown_agent_exits_1_and_changes_nothing()
    {
        await using var world = await StripeWorld.StartAsync();
        var (code, _, error) = await RunAsync(world.Environment(), "revoke", "nobody");
        Assert.Equal(1, code);
        Assert.Contains("'nobody' is not listed", error);
    }

    [Fact]
    public async Task Audit_json_prints_the_contract_fields_and_spend_shows_used_and_remaining()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using (var mcp = await McpHarness.StartAsync(world, "refund-bot"))
        {
            (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 1234 })).AssertSuccess();
            await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 99999 });
        }

        var (code, output, _) = await RunAsync(world.Environment(), "audit", "--json", "--agent", "refund-bot");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        var allowed = lines[0];
        foreach (var field in new[] { "id", "time", "agent", "role", "tool", "outcome", "code", "amount", "currency", "object", "stripe_request_id", "idempotency_key", "duration_ms", "arguments" })
        {
            Assert.True(allowed.TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.Equal(("allowed", 1234, "usd", "issue_refund"), (allowed.GetProperty("outcome").GetString(), allowed.GetProperty("amount").GetInt64(), allowed.GetProperty("currency").GetString(), allowed.GetProperty("tool").GetString()));
        Assert.EndsWith("Z", allowed.GetProperty("time").GetString());
        Assert.Equal(("denied", "invalid_arguments"), (lines[1].GetProperty("outcome").GetString(), lines[1].GetProperty("code").GetString()));

        var table = await RunAsync(world.Environment(), "audit");
        Assert.Contains("12.34 USD", table.Out);

        var spend = await RunAsync(world.Environment(), "spend", "--json", "--agent", "refund-bot");
        var rows = spend.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var agentDay = rows.Single(r => r.GetProperty("per").GetString() == "agent");
        Assert.Equal((50000, 1234, 0, 50000 - 1234), (agentDay.GetProperty("limit").GetInt64(), agentDay.GetProperty("used").GetInt64(), agentDay.GetProperty("held").GetInt64(), agentDay.GetProperty("remaining").GetInt64()));
        var roleDay = rows.Single(r => r.GetProperty("per").GetString() == "role");
        Assert.Equal(1234, roleDay.GetProperty("used").GetInt64());
    }

    [Theory]
    [InlineData("rk_live_abcdefghijklmnop1234", "test mode but KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS holds a live key")]
    [InlineData("sk_test_abcdefghijklmnop1234", "holds a full secret key (sk_...)")]
    [InlineData(null, "KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS is not set")]
    public async Task Serve_refuses_a_key_of_the_wrong_kind_without_printing_it(string? key, string expected)
    {
        await using var world = await StripeWorld.StartAsync();
        var env = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = key };
        var (code, output, error) = await RunAsync(env, "serve", "--agent", "refund-bot");
        Assert.Equal(1, code);
        Assert.Contains(expected, error);
        Assert.Empty(output);
        if (key is not null)
        {
            Assert.DoesNotContain(key, error);
        }
    }

    [Fact]
    public async Task Serve_refuses_an_agent_that_no_manifest_names()
    {
        await using var world = await StripeWorld.StartAsync();
        var (code, _, error) = await RunAsync(world.Environment(), "serve", "--agent", "ghost");
        Assert.Equal(1, code);
        Assert.Contains("'ghost' is not listed", error);
    }

    [Fact]
    public async Task Serve_refuses_to_start_on_a_broken_manifest()
    {
        await using var world = await StripeWorld.StartAsync();
        File.WriteAllText(Path.Combine(world.ManifestsDirectory, "broken.json"), "{ \"role\": ");
        var (code, _, error) = await RunAsync(world.Environment(), "serve", "--agent", "refund-bot");
        Assert.Equal(1, code);
        Assert.Contains("broken.json", error);
        Assert.Contains("refusing to start", error);
    }

    [Fact]
    public async Task Validate_json_prints_one_object_per_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a.json"), """{ "role": "a", "stripe": { "keyEnv": "K", "mode": "test" }, "agents": ["x"], "tools": { "issue_refnd": {} } }""");
        var (code, output, _) = await RunAsync(new Dictionary<string, string?>(), "validate", "--json", "--manifests", dir.Path);
        Assert.Equal(1, code);
        var error = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single()).RootElement;
        Assert.Equal("$.tools.issue_refnd", error.GetProperty("path").GetString());
        Assert.Equal(dir.File("a.json"), error.GetProperty("file").GetString());
    }
}
