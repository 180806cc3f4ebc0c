using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Ledger;

/// <summary>The contract's JSON form of an audit record (DESIGN.md 3.4): what <c>audit --json</c> prints and what the hash chain seals.</summary>
public static class AuditRecordJson
{
    /// <summary>The contract fields of one record, without its chain hash.</summary>
    /// <remarks><c>arguments_sha256</c>, <c>auth</c> and <c>recurring_delta</c> appear only when set: rows sealed before they existed keep their content.</remarks>
    public static JsonObject Fields(AuditRecord r)
    {
        var fields = new JsonObject
        {
            ["id"] = r.Id,
            ["call_id"] = r.CallId,
            ["time"] = Time(r.Time),
            ["agent"] = r.Agent,
            ["role"] = r.Role,
            ["tool"] = r.Tool,
            ["outcome"] = r.Outcome,
            ["code"] = r.Code,
            ["message"] = r.Message,
            ["amount"] = r.Amount,
            ["currency"] = r.Currency?.ToLowerInvariant(),
            ["object"] = r.Object,
            ["stripe_request_id"] = r.StripeRequestId,
            ["idempotency_key"] = r.IdempotencyKey,
            ["duration_ms"] = r.DurationMs,
            ["arguments"] = JsonNode.Parse(r.Arguments, documentOptions: new JsonDocumentOptions()),
        };
        if (r.ArgumentsSha256 is { } sha256)
        {
            fields["arguments_sha256"] = sha256;
        }

        if (r.Auth is { } auth)
        {
            fields["auth"] = auth;
        }

        if (r.RecurringDelta is { } delta)
        {
            fields["recurring_delta"] = delta.ToJson();
        }

        return fields;
    }

    /// <summary>ISO 8601 UTC with milliseconds, the contract's time format.</summary>
    public static string Time(DateTimeOffset time)
    {
        // The round-trip format has a fast path (a custom pattern is interpreted on every call); its first 23
        // characters are "yyyy-MM-ddTHH:mm:ss.fff", truncated the same way.
        Span<char> roundTrip = stackalloc char[33];
        time.UtcDateTime.TryFormat(roundTrip, out _, "O", CultureInfo.InvariantCulture);
        roundTrip[23] = 'Z';
        return new string(roundTrip[..24]);
    }
}
