using System.Globalization;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Cli;

/// <summary>The audit log as RFC 4180 CSV with the contract's field names as the header.</summary>
public static class AuditCsv
{
    private static readonly string[] Header =
        ["id", "time", "agent", "role", "tool", "outcome", "code", "amount", "currency", "object", "stripe_request_id", "idempotency_key", "duration_ms", "message", "arguments"];

    public static void Write(TextWriter output, IEnumerable<AuditRecord> records)
    {
        output.WriteLine(string.Join(",", Header));
        foreach (var r in records)
        {
            output.WriteLine(string.Join(",", new[]
            {
                r.Id.ToString(CultureInfo.InvariantCulture), r.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                r.Agent, r.Role, r.Tool, r.Outcome, r.Code, r.Amount?.ToString(CultureInfo.InvariantCulture), r.Currency?.ToLowerInvariant(), r.Object,
                r.StripeRequestId, r.IdempotencyKey, r.DurationMs?.ToString(CultureInfo.InvariantCulture), r.Message, r.Arguments,
            }.Select(Escape)));
        }
    }

    private static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        // A leading = + - @ makes spreadsheets evaluate the cell: audit data is agent-influenced, so defuse it.
        var text = value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }
}
