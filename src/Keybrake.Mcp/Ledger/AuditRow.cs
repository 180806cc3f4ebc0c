namespace Keybrake.Mcp.Ledger;

/// <summary>An <c>audit</c> row as Dapper reads it; <see cref="Columns"/> selects exactly its properties.</summary>
internal sealed class AuditRow
{
    public const string Columns =
        "id AS Id, call_id AS CallId, at_ms AS AtMs, agent AS Agent, role AS Role, tool AS Tool, outcome AS Outcome, " +
        "code AS Code, message AS Message, amount AS Amount, currency AS Currency, object AS Object, " +
        "stripe_request_id AS StripeRequestId, idempotency_key AS IdempotencyKey, duration_ms AS DurationMs, " +
        "arguments AS Arguments, result AS Result";

    /// <summary>Selects the hash of the row's latest chain event; uses the (call_id, seq) index.</summary>
    public const string HashColumn =
        "(SELECT c.hash FROM audit_chain c WHERE c.call_id = audit.call_id ORDER BY c.seq DESC LIMIT 1) AS Hash";

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
    public string Arguments { get; init; } = "{}";
    public string? Result { get; init; }
    public string? Hash { get; init; }

    public AuditRecord ToRecord() => new()
    {
        Id = Id, CallId = CallId, Time = DateTimeOffset.FromUnixTimeMilliseconds(AtMs), Agent = Agent, Role = Role,
        Tool = Tool, Outcome = Outcome, Code = Code, Message = Message, Amount = Amount, Currency = Currency,
        Object = Object, StripeRequestId = StripeRequestId, IdempotencyKey = IdempotencyKey, DurationMs = DurationMs,
        Arguments = Arguments, Result = Result, Hash = Hash,
    };
}
