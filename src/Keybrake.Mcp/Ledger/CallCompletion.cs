using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Ledger;

/// <summary>How a call ended, for settling its hold and completing its audit row.</summary>
public sealed record CallCompletion
{
    public required string CallId { get; init; }
    public required string Outcome { get; init; }
    public string? Code { get; init; }
    public string? Message { get; init; }

    /// <summary>Money Stripe actually moved; replaces the hold. Null releases the hold (unless the outcome is unknown).</summary>
    public long? MovedMinor { get; init; }

    public string? Currency { get; init; }
    public string? Object { get; init; }
    public string? StripeRequestId { get; init; }

    /// <summary>Settle the hold at the amount held (when Stripe's answer does not state the money, e.g. a reconciled invoice payment).</summary>
    public bool SettleAsHeld { get; init; }

    public required long DurationMs { get; init; }
    public string? Result { get; init; }

    /// <summary>How the call changed a subscription's recurring amount (subscription tools).</summary>
    public RecurringDelta? RecurringDelta { get; init; }
}
