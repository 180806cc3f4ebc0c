using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>A realistic audit log written through the real pipeline: allowed, denied, failed and unknown-then-completed calls.</summary>
public static class ChainedLog
{
    /// <summary>Events the log writes: allowed 2, denied 1, failed 2, unknown 2 plus its completion on retry 1.</summary>
    public const int Events = 8;

    public const int Records = 4;

    public static async Task<PipelineFixture> CreateAsync()
    {
        var f = new PipelineFixture(Roles.Refunds());
        await f.CallAsync("refund-bot", Refund(1234, "allowed"));
        await f.CallAsync("ghost", Refund(100, "denied"));

        f.Operation.Execute = (_, _) => new ExecutionResult.Failed(new Denial("stripe_error", "card declined"), "req_failed");
        await f.CallAsync("refund-bot", Refund(500, "failed"));

        f.Operation.Execute = (_, _) => new ExecutionResult.Unknown("issue_refund");
        await f.CallAsync("refund-bot", Refund(700, "unknown"));
        f.Operation.Execute = (_, _) => new ExecutionResult.Succeeded(new JsonObject { ["id"] = "re_late" }, MoneyAmount.Parse("7.00 USD"), "re_late", "req_late");
        await f.CallAsync("refund-bot", Refund(700, "unknown"));
        return f;
    }

    /// <summary>Runs raw SQL against the fixture's database, as someone tampering with the file would.</summary>
    public static async Task SqlAsync(PipelineFixture f, string sql)
    {
        await using var connection = await RawSql.OpenAsync(f.Database.Path);
        await connection.ExecuteAsync(sql);
    }

    /// <summary>The call id of the record whose arguments carry this request_id.</summary>
    public static async Task<string> CallIdAsync(PipelineFixture f, string requestId) =>
        (await f.AuditAsync()).Single(r => r.Arguments.Contains($"\"{requestId}\"", StringComparison.Ordinal)).CallId;

    public static async Task<IReadOnlyList<AuditChainEvent>> EventsAsync(PipelineFixture f)
    {
        var events = new List<AuditChainEvent>();
        await foreach (var e in f.Ledger.ReadChainAsync(CancellationToken.None))
        {
            events.Add(e);
        }

        return events;
    }

    private static JsonObject Refund(long amount, string requestId) =>
        new() { ["payment_intent"] = "pi_123", ["amount"] = amount, ["request_id"] = requestId };
}
