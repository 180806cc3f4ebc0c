using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// What the ledger needs to start a governed call atomically: check budgets, hold the money, and write the
/// "started" audit row in one transaction, so no hold exists without its audit row and vice versa.
/// </summary>
public sealed record CallStart
{
    public required string CallId { get; init; }
    public required CallIdentity Who { get; init; }
    public required string Tool { get; init; }
    public required string Arguments { get; init; }

    /// <summary>How the caller proved who it is (<see cref="AuditRecord.Auth"/>).</summary>
    public string? Auth { get; init; }

    /// <summary>Identifies the logical request (agent, tool, arguments, request_id) for retries; null for reads.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Earliest start of an earlier call that still counts as the same request.</summary>
    public required DateTimeOffset RetryHorizon { get; init; }

    public required string IdempotencyKey { get; init; }

    /// <summary>Money the call will move (the resolved amount), or null for calls that move none.</summary>
    public MoneyAmount? Hold { get; init; }

    public IReadOnlyList<Budget> Budgets { get; init; } = [];

    public string? Object { get; init; }

    /// <summary>
    /// One call at a time on <see cref="Object"/>: the call does not start while another call on it has an unknown outcome
    /// (in flight, or not yet settled), so a request is never prepared against a state an earlier one is still changing.
    /// </summary>
    public bool ExclusiveOnObject { get; init; }

    /// <summary>An approved approval whose hold this call takes over instead of holding anew.</summary>
    public string? ApprovalId { get; init; }

    /// <summary>Rate limits checked again, exactly, and counted in this same transaction.</summary>
    public IReadOnlyList<RateLimit> RateLimits { get; init; } = [];

    /// <summary>What the call resolved that a re-send of the same request needs (JSON), kept with its row until it completes.</summary>
    public string? Context { get; init; }
}
