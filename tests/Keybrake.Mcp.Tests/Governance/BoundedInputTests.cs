using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Governance;

/// <summary>Hostile input changes nothing, is refused with a short message and a bounded audit row, and counts against rate limits.</summary>
public sealed class BoundedInputTests
{
    private static JsonObject Refund(long amount, string? ticket = null)
    {
        var args = new JsonObject { ["payment_intent"] = "pi_1", ["amount"] = amount };
        if (ticket is not null)
        {
            args["ticket"] = ticket;
        }

        return args;
    }

    [Fact]
    public async Task A_megabyte_argument_is_refused_and_audited_cut_with_the_hash_of_the_whole()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var arguments = Refund(100, new string('x', 1024 * 1024));

        var response = await f.CallAsync("refund-bot", arguments);

        Assert.Equal("invalid_arguments", response.Code());
        Assert.True(response.Message().Length < 600, response.Message());
        Assert.Equal(0, f.Operation.Executions);
        var row = Assert.Single(await f.AuditAsync());
        Assert.True(Encoding.UTF8.GetByteCount(row.Arguments) <= AuditArguments.MaxBytes, $"{row.Arguments.Length} characters stored");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson.Of(arguments)))), row.ArgumentsSha256);
        var stored = JsonNode.Parse(row.Arguments)!;
        Assert.Equal("pi_1", (string?)stored["payment_intent"]);
        Assert.StartsWith("xxxx", (string?)stored["ticket"]);
        Assert.EndsWith("(1048576 characters)", (string?)stored["ticket"]);
        var json = AuditRecordJson.Fields(row);
        Assert.Equal(row.ArgumentsSha256, (string?)json["arguments_sha256"]);
        Assert.True((await f.Ledger.VerifyChainAsync(CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task Arguments_that_fit_are_stored_whole_without_a_hash()
    {
        using var f = new PipelineFixture(Roles.Refunds());

        await f.CallAsync("refund-bot", Refund(100, "T-42"));

        var row = Assert.Single(await f.AuditAsync());
        Assert.Null(row.ArgumentsSha256);
        Assert.Equal("T-42", (string?)JsonNode.Parse(row.Arguments)!["ticket"]);
        Assert.False(AuditRecordJson.Fields(row).ContainsKey("arguments_sha256"));
    }

    [Fact]
    public async Task Thousands_of_unknown_arguments_make_one_short_refusal_and_a_bounded_row()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var arguments = Refund(100);
        for (var i = 0; i < 5000; i++)
        {
            arguments[$"extra_{i}_" + new string('k', 100)] = i;
        }

        var response = await f.CallAsync("refund-bot", arguments);

        Assert.Equal("invalid_arguments", response.Code());
        Assert.Contains("and 4995 more problems", response.Message());
        Assert.True(response.Message().Length < 2000, $"{response.Message().Length} characters");
        var row = Assert.Single(await f.AuditAsync());
        Assert.True(Encoding.UTF8.GetByteCount(row.Arguments) <= AuditArguments.MaxBytes);
        Assert.NotNull(row.ArgumentsSha256);
        Assert.Contains("more argument(s) not kept", row.Arguments);
    }

    [Fact]
    public async Task Refused_calls_count_against_rate_limits()
    {
        var role = Roles.Refunds(rateLimits: [new RateLimit(LimitScope.Agent, 3, RollingWindow.Minute)]);
        using var f = new PipelineFixture(role);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("invalid_arguments", (await f.CallAsync("refund-bot", Refund(100, new string('x', 10_000)))).Code());
        }

        var limited = await f.CallAsync("refund-bot", Refund(100));

        Assert.Equal("rate_limited", limited.Code());
        Assert.Contains("made 3 calls in the last minute (limit 3)", limited.Message());
        Assert.Equal(0, f.Operation.Executions);
    }

    [Fact]
    public async Task A_flood_of_huge_refused_calls_grows_the_ledger_by_kilobytes_not_megabytes()
    {
        var role = Roles.Refunds(rateLimits: [new RateLimit(LimitScope.Agent, 30, RollingWindow.Minute)]);
        using var f = new PipelineFixture(role);
        var before = LedgerBytes(f);

        var codes = new List<string?>();
        for (var i = 0; i < 40; i++)
        {
            codes.Add((await f.CallAsync("refund-bot", Refund(100, new string('x', 1024 * 1024)))).Code());
        }

        Assert.Equal(30, codes.Count(c => c == "invalid_arguments"));
        Assert.Equal(10, codes.Count(c => c == "rate_limited"));
        var grown = LedgerBytes(f) - before;
        Assert.True(grown < 2 * 1024 * 1024, $"the ledger grew by {grown:N0} bytes");
    }

    [Fact]
    public async Task Calls_to_tools_the_role_lacks_are_bounded_and_count_against_its_rate_limits()
    {
        var role = Roles.Refunds(rateLimits: [new RateLimit(LimitScope.Agent, 3, RollingWindow.Minute)]);
        using var f = new PipelineFixture(role);
        var name = "delete_everything_" + new string('z', 1024 * 1024);

        var codes = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            var response = await f.CallAsync("refund-bot", Refund(100), tool: name);
            Assert.True(response.Message().Length < 600, $"{response.Message().Length} characters");
            codes.Add(response.Code());
        }

        Assert.Equal(["not_allowed", "not_allowed", "not_allowed", "rate_limited", "rate_limited"], codes);
        var rows = await f.AuditAsync();
        Assert.All(rows, r => Assert.True(r.Tool.Length <= AuditArguments.MaxToolName + 60 && (r.Message?.Length ?? 0) < 600, r.Tool[..40]));
        Assert.StartsWith("delete_everything_zzz", rows[0].Tool);
        Assert.Contains($"{Encoding.UTF8.GetByteCount(name)} bytes", rows[0].Tool);
        Assert.Equal(0, f.Operation.Executions);
    }

    private static long LedgerBytes(PipelineFixture f) =>
        new[] { "", "-wal" }.Select(suffix => new FileInfo(f.Database.Path + suffix)).Where(i => i.Exists).Sum(i => i.Length);
}
