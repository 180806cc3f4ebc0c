using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Governance;

/// <summary>A refusal: the contract's code, a message for the agent with the numbers, and extra structured fields.</summary>
public sealed record Denial(string Code, string Message)
{
    /// <summary>Extra fields for <c>structuredContent.error</c>, e.g. <c>retry_after_seconds</c>.</summary>
    public ImmutableDictionary<string, JsonNode?> Extra { get; init; } = ImmutableDictionary<string, JsonNode?>.Empty;

    public Denial With(string key, JsonNode? value) => this with { Extra = Extra.SetItem(key, value) };
}

/// <summary>The refusal codes of the contract (DESIGN.md 3.3).</summary>
public static class DenialCodes
{
    public const string UnknownAgent = "unknown_agent";
    public const string Revoked = "revoked";
    public const string InvalidArguments = "invalid_arguments";
    public const string NotAllowed = "not_allowed";
    public const string RateLimited = "rate_limited";
    public const string BudgetExceeded = "budget_exceeded";
    public const string ApprovalRequired = "approval_required";
    public const string StripeError = "stripe_error";
    public const string Unavailable = "unavailable";
    public const string OutcomeUnknown = "outcome_unknown";
}
