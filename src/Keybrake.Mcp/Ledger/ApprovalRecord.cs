using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Ledger;

/// <summary>A held call waiting for (or given) a human's decision; bound to one agent, tool and set of arguments.</summary>
public sealed record ApprovalRecord
{
    public required string Id { get; init; }
    public required string Agent { get; init; }
    public required string Role { get; init; }
    public required string Tool { get; init; }
    public required string Fingerprint { get; init; }
    public required string Arguments { get; init; }
    public required MoneyAmount Amount { get; init; }

    /// <summary><c>pending</c>, <c>approved</c>, <c>denied</c>, <c>expired</c> or <c>used</c>.</summary>
    public required string Status { get; init; }

    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset Expires { get; init; }
    public DateTimeOffset? Decided { get; init; }
    public string? DecidedBy { get; init; }
    public string? Reason { get; init; }
    public string? UsedByCall { get; init; }

    /// <summary>The Stripe object the call acts on and that object's customer, as the call resolved them before asking.</summary>
    public ApprovalSubject Subject { get; init; } = ApprovalSubject.None;
}

/// <summary>What a held call acts on, for the human deciding: the Stripe object and its customer, when known.</summary>
public sealed record ApprovalSubject(string? Object, string? Customer)
{
    public static ApprovalSubject None { get; } = new(null, null);
}

/// <summary>Approval states.</summary>
public static class ApprovalStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Denied = "denied";
    public const string Expired = "expired";
    public const string Used = "used";
}

/// <summary>What asking for an approval did: created (and held the money), or found the budget too small.</summary>
public abstract record ApprovalRequestResult
{
    private ApprovalRequestResult() { }

    public sealed record Created(ApprovalRecord Approval) : ApprovalRequestResult;

    public sealed record OverBudget(BudgetUsage Usage) : ApprovalRequestResult;
}
