using System.Text.Json.Nodes;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Governance;

/// <summary>How executing a call ended: succeeded with the money Stripe moved, failed definitely, or unknown.</summary>
public abstract record ExecutionResult
{
    private ExecutionResult() { }

    /// <summary>Stripe did it. <paramref name="Moved"/> is parsed from Stripe's response, not the request.</summary>
    public sealed record Succeeded(JsonObject Result, MoneyAmount? Moved, string? Object, string? StripeRequestId) : ExecutionResult
    {
        /// <summary>How the call changed a subscription's recurring amount, read from Stripe's answer (subscription changes).</summary>
        public RecurringDelta? RecurringDelta { get; init; }
    }

    /// <summary>Stripe refused; nothing moved, so any hold is released.</summary>
    public sealed record Failed(Denial Denial, string? StripeRequestId) : ExecutionResult;

    /// <summary>The request may have reached Stripe but no answer came back: the hold stays until reconciled.</summary>
    public sealed record Unknown(string Message) : ExecutionResult;
}
