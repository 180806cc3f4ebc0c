using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// Derives the logical request behind a call: calls with the same agent, tool, arguments and <c>request_id</c> are one
/// request (DESIGN.md 3.3). Its fingerprint finds earlier attempts; its Stripe idempotency key makes a re-send safe.
/// </summary>
public sealed record RequestIdentity(string Fingerprint, bool HasRequestId)
{
    /// <summary>Without a <c>request_id</c>, identical calls this close together are retries of one request.</summary>
    public static readonly TimeSpan ImplicitRetryWindow = TimeSpan.FromMinutes(10);

    public static RequestIdentity For(string agent, string tool, JsonObject arguments) => For(agent, tool, arguments, CanonicalJson.Of(arguments));

    /// <param name="canonicalArguments">The arguments as <see cref="CanonicalJson"/> already wrote them.</param>
    public static RequestIdentity For(string agent, string tool, JsonObject arguments, string canonicalArguments) =>
        new(Hash($"{agent}\n{tool}\n{canonicalArguments}"), arguments.ContainsKey("request_id"));

    /// <summary>
    /// The Stripe idempotency key of a new attempt. With a <c>request_id</c> it is a pure function of the request, so even
    /// a lost ledger row cannot make a retry a second movement; without one, each new request gets its own.
    /// </summary>
    public string IdempotencyKeyFor(string callId) =>
        HasRequestId ? $"kb_{Fingerprint[..40]}" : $"kb_{Hash($"{Fingerprint}\n{callId}")[..40]}";

    /// <summary>How far back an earlier attempt still counts as the same request.</summary>
    public DateTimeOffset RetryHorizon(DateTimeOffset now) =>
        HasRequestId ? DateTimeOffset.UnixEpoch : now - ImplicitRetryWindow;

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
