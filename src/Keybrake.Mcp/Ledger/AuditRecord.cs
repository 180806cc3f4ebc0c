namespace Keybrake.Mcp.Ledger;

/// <summary>One row of the audit log as the contract (DESIGN.md 3.4) shows it.</summary>
public sealed record AuditRecord
{
    public required long Id { get; init; }
    public required string CallId { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Agent { get; init; }
    public required string Role { get; init; }
    public required string Tool { get; init; }

    /// <summary><c>allowed</c>, <c>denied</c>, <c>failed</c> or <c>unknown</c>.</summary>
    public required string Outcome { get; init; }

    public string? Code { get; init; }
    public string? Message { get; init; }

    /// <summary>Money actually moved, in minor units; null when the call moved none.</summary>
    public long? Amount { get; init; }

    public string? Currency { get; init; }
    public string? Object { get; init; }
    public string? StripeRequestId { get; init; }
    public string? IdempotencyKey { get; init; }
    public long? DurationMs { get; init; }

    /// <summary>The call's arguments as JSON (agents' tools take no secrets), at most <see cref="AuditArguments.MaxBytes"/>.</summary>
    public string Arguments { get; init; } = "{}";

    /// <summary>SHA-256 of the whole arguments when <see cref="Arguments"/> had to be cut; null when they are whole.</summary>
    public string? ArgumentsSha256 { get; init; }

    /// <summary>
    /// How the caller proved who it is: <c>token:ID</c> (a <c>kbk_</c> token's id) or <c>oauth:ISSUER SUBJECT</c> (a JWT);
    /// null over stdio, where the process serves one agent. Never the credential itself.
    /// </summary>
    public string? Auth { get; init; }

    /// <summary>How the call changed the subscription's recurring amount per period (subscription tools); null otherwise.</summary>
    public Money.RecurringDelta? RecurringDelta { get; init; }

    /// <summary>
    /// What the call resolved before it went to Stripe and needs again to send the very same request (a retry or a
    /// reconciliation after an unknown outcome): not part of the contract, not sealed by the chain.
    /// </summary>
    public string? Context { get; init; }

    /// <summary>The structured result returned to the agent, kept so a retry can be answered with it.</summary>
    public string? Result { get; init; }

    /// <summary>Hash of the record's latest audit chain event; null when read without it.</summary>
    public string? Hash { get; init; }

    /// <summary>
    /// The server instance that started the call (its lease says whether it still runs); null for rows older than leases.
    /// Not part of the contract, not sealed by the chain.
    /// </summary>
    public string? Instance { get; init; }
}

/// <summary>Audit outcomes of the contract.</summary>
public static class AuditOutcomes
{
    public const string Allowed = "allowed";
    public const string Denied = "denied";
    public const string Failed = "failed";
    public const string Unknown = "unknown";
}
