using Keybrake.Mcp.Ledger.Storage;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>An <c>audit</c> row; <see cref="Columns"/> selects its properties in the order <see cref="Read"/> reads them.</summary>
internal sealed class AuditRow
{
    public const string Columns = Fields + Later + "arguments AS Arguments, result AS Result, context AS Context";

    /// <summary><see cref="Columns"/> with empty arguments, no result and no context, in the same positions: a listing that shows none.</summary>
    public const string ColumnsWithoutPayloads = Fields + Later + "'{}' AS Arguments, NULL AS Result, NULL AS Context";

    /// <summary>
    /// <see cref="Columns"/> as the table was when the audit chain began (migration <see cref="LedgerSchema.AuditChainMigration"/>),
    /// for sealing the rows written before it: the columns added since then are NULL in such rows anyway.
    /// </summary>
    public const string ColumnsAtChainStart = Fields + "NULL AS ArgumentsSha256, NULL AS RecurringDelta, arguments AS Arguments, result AS Result, NULL AS Context";

    private const string Fields =
        "id AS Id, call_id AS CallId, at_ms AS AtMs, agent AS Agent, role AS Role, tool AS Tool, outcome AS Outcome, " +
        "code AS Code, message AS Message, amount AS Amount, currency AS Currency, object AS Object, " +
        "stripe_request_id AS StripeRequestId, idempotency_key AS IdempotencyKey, duration_ms AS DurationMs, ";

    private const string Later = "arguments_sha256 AS ArgumentsSha256, recurring_delta AS RecurringDelta, ";

    /// <summary>Selects the hash of the row's latest chain event, which sealing the row writes onto it.</summary>
    public const string HashColumn = "hash AS Hash";

    public long Id { get; init; }
    public string CallId { get; init; } = "";
    public long AtMs { get; init; }
    public string Agent { get; init; } = "";
    public string Role { get; init; } = "";
    public string Tool { get; init; } = "";
    public string Outcome { get; init; } = "";
    public string? Code { get; init; }
    public string? Message { get; init; }
    public long? Amount { get; init; }
    public string? Currency { get; init; }
    public string? Object { get; init; }
    public string? StripeRequestId { get; init; }
    public string? IdempotencyKey { get; init; }
    public long? DurationMs { get; init; }
    public string? ArgumentsSha256 { get; init; }
    public string? RecurringDelta { get; init; }
    public string Arguments { get; init; } = "{}";
    public string? Result { get; init; }
    public string? Context { get; init; }
    public string? Hash { get; init; }

    /// <summary>Reads a row selected with <see cref="Columns"/> (and <see cref="HashColumn"/> after them, if present), by position.</summary>
    public static AuditRow Read(SqliteRow r) => new()
    {
        Id = r.GetInt64(0), CallId = r.GetString(1), AtMs = r.GetInt64(2), Agent = r.GetString(3), Role = r.GetString(4), Tool = r.GetString(5),
        Outcome = r.GetString(6), Code = r.NullableString(7), Message = r.NullableString(8), Amount = r.NullableInt64(9), Currency = r.NullableString(10),
        Object = r.NullableString(11), StripeRequestId = r.NullableString(12), IdempotencyKey = r.NullableString(13), DurationMs = r.NullableInt64(14),
        ArgumentsSha256 = r.NullableString(15), RecurringDelta = r.NullableString(16),
        Arguments = r.GetString(17), Result = r.NullableString(18), Context = r.NullableString(19), Hash = r.FieldCount > 20 ? r.NullableString(20) : null,
    };

    public AuditRecord ToRecord() => new()
    {
        Id = Id, CallId = CallId, Time = DateTimeOffset.FromUnixTimeMilliseconds(AtMs), Agent = Agent, Role = Role,
        Tool = Tool, Outcome = Outcome, Code = Code, Message = Message, Amount = Amount, Currency = Currency,
        Object = Object, StripeRequestId = StripeRequestId, IdempotencyKey = IdempotencyKey, DurationMs = DurationMs,
        ArgumentsSha256 = ArgumentsSha256, RecurringDelta = RecurringDelta is null ? null : Money.RecurringDelta.FromJson(System.Text.Json.Nodes.JsonNode.Parse(RecurringDelta)),
        Arguments = Arguments, Result = Result, Context = Context, Hash = Hash,
    };
}
