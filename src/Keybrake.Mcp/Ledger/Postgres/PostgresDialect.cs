using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Keybrake.Mcp.Ledger.Postgres;

/// <summary>PostgreSQL's side of the ledger's SQL.</summary>
internal sealed class PostgresDialect : LedgerDialect
{
    public static readonly PostgresDialect Instance = new();

    /// <summary>
    /// Transaction-scoped advisory locks (released at commit or rollback, whatever happens to the process), one per name,
    /// taken in one statement in the order of their keys: every transaction takes its locks in that one order, and the
    /// audit chain's alone and last, so no two transactions ever wait for each other in a circle.
    /// </summary>
    public override Task LockAsync(LedgerSession session, IReadOnlyCollection<string> names, CancellationToken ct)
    {
        if (names.Count == 0)
        {
            return Task.CompletedTask;
        }

        var keys = string.Join(',', names.Select(Key).Distinct().Order());
        return session.Connection.ExecuteAsync(
            "SELECT pg_advisory_xact_lock(CAST(k AS BIGINT)) FROM unnest(string_to_array(@keys, ',')) AS k",
            new { keys, ct }, session.Transaction);
    }

    // PostgreSQL finds the partial index of unknown calls by itself.
    public override bool HintsUnknownCallsIndex => false;

    /// <summary>
    /// A name's lock key: 64 bits of its SHA-256. Two names that shared a key would only wait for each other more often
    /// than they must, never less.
    /// </summary>
    internal static long Key(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("keybrake:" + name)), 0);
}
