namespace Keybrake.Mcp.Ledger;

/// <summary>An <c>audit</c> row as the ledger reads it, its columns mapped to properties by name.</summary>
internal sealed class AuditRow
{
    /// <summary>Every column but the row's hash.</summary>
    public const string Columns = Fields + Later + "arguments, result, context, instance_id";

    /// <summary><see cref="Columns"/> with empty arguments, no result and no context: a listing that shows none.</summary>
    public const string ColumnsWithoutPayloads = Fields + Later + "'{}' AS arguments, NULL AS result, NULL AS context, instance_id";

    /// <summary>
    /// <see cref="Columns"/> as the table was when the audit chain began (SQLite migration 2), for sealing the rows written
    /// before it: the columns added since then are NULL in such rows anyway.
    /// </summary>
    public const string ColumnsAtChainStart = Fields + "NULL AS arguments_sha256, NULL AS recurring_delta, NULL AS auth, arguments, result, NULL AS context, NULL AS instance_id";

    private const string Fields =
        "id, call_id, at_ms, agent, role, tool, outcome, code, message, amount, currency, object, stripe_request_id, idempotency_key, duration_ms, ";

    private const string Later = "arguments_sha256, recurring_delta, auth, ";

    /// <summary>The hash of the row's latest chain event, which sealing the row writes onto it.</summary>
    public const string HashColumn = "hash";

    /// <summary>Every column, in the order <c>db copy</c> moves them.</summary>
    public const string AllColumns = Columns + ", " + HashColumn + ", fingerprint";

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
    public string? Auth { get; init; }
    public string Arguments { get; init; } = "{}";
    public string? Result { get; init; }
    public string? Context { get; init; }
    public string? Hash { get; init; }
    public string? InstanceId { get; init; }

    /// <summary>The request the call belongs to (read only by a copy; retries find it in SQL).</summary>
    public string? Fingerprint { get; init; }

    public AuditRecord ToRecord() => new()
    {
        Id = Id, CallId = CallId, Time = DateTimeOffset.FromUnixTimeMilliseconds(AtMs), Agent = Agent, Role = Role,
        Tool = Tool, Outcome = Outcome, Code = Code, Message = Message, Amount = Amount, Currency = Currency,
        Object = Object, StripeRequestId = StripeRequestId, IdempotencyKey = IdempotencyKey, DurationMs = DurationMs,
        ArgumentsSha256 = ArgumentsSha256, RecurringDelta = RecurringDelta is null ? null : Money.RecurringDelta.FromJson(System.Text.Json.Nodes.JsonNode.Parse(RecurringDelta)),
        Auth = Auth, Arguments = Arguments, Result = Result, Context = Context, Hash = Hash, Instance = InstanceId,
    };
}
