using System.Security.Cryptography;
using System.Text;
using Keybrake.Mcp.Ledger.Storage;

namespace Keybrake.Mcp.Ledger;

/// <summary>One issued bearer token as <c>token list</c> shows it; the secret itself is never stored.</summary>
public sealed record AgentTokenInfo(string Id, string Agent, DateTimeOffset Created, DateTimeOffset? LastUsed, DateTimeOffset? Revoked);

/// <summary>
/// Bearer tokens for agents over HTTP, in the shared ledger. A token is <c>kbk_&lt;id&gt;_&lt;secret&gt;</c>: the id finds
/// the row, the SHA-256 of the whole token is compared in constant time. Only the hash is stored, so the ledger file
/// cannot be used to call the server.
/// </summary>
public sealed class AgentTokens(SqliteDatabase database, TimeProvider time)
{
    private const string Prefix = "kbk_";

    // A token used again within this long does not rewrite its last-used time: a write per request is not worth it.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>Creates a token for an agent and returns it: the only time the secret exists outside the caller.</summary>
    public async Task<(string Token, AgentTokenInfo Info)> IssueAsync(string agent, CancellationToken ct)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = $"{Prefix}{id}_{secret}";
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(ct);
        connection.Exec(
            "INSERT INTO agent_token (id, agent, hash, created_at_ms) VALUES (@id, @agent, @hash, @now)",
            ("@id", id), ("@agent", agent), ("@hash", Hash(token)), ("@now", now.ToUnixTimeMilliseconds()));
        return (token, new AgentTokenInfo(id, agent, now, null, null));
    }

    /// <summary>The agent a presented token belongs to, or null when it is malformed, unknown or revoked.</summary>
    public async Task<AgentTokenInfo?> ValidateAsync(string? presented, CancellationToken ct)
    {
        if (presented is null || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 128)
        {
            return null;
        }

        var separator = presented.IndexOf('_', Prefix.Length);
        if (separator < 0)
        {
            return null;
        }

        var id = presented[Prefix.Length..separator];
        await using var connection = await database.OpenAsync(ct);
        var row = connection.ReadFirst($"SELECT {TokenRow.Columns} FROM agent_token WHERE id = @id", TokenRow.Read, ("@id", id));
        if (row is null || row.RevokedAtMs is not null ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(row.Hash), Encoding.ASCII.GetBytes(Hash(presented))))
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (row.LastUsedAtMs is not { } lastUsed || now - lastUsed > LastUsedResolution.TotalMilliseconds)
        {
            connection.Exec("UPDATE agent_token SET last_used_at_ms = @now WHERE id = @id", ("@now", now), ("@id", id));
        }

        return row.ToInfo();
    }

    public async Task<IReadOnlyList<AgentTokenInfo>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return connection.ReadAll($"SELECT {TokenRow.Columns} FROM agent_token ORDER BY created_at_ms, id", TokenRow.Read).ConvertAll(r => r.ToInfo());
    }

    /// <summary>Revokes one token; false when no live token has that id.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return connection.Exec(
            "UPDATE agent_token SET revoked_at_ms = @now WHERE id = @id AND revoked_at_ms IS NULL",
            ("@now", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@id", id)) > 0;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '-');

    private sealed record TokenRow(string Id, string Agent, string Hash, long CreatedAtMs, long? LastUsedAtMs, long? RevokedAtMs)
    {
        public const string Columns = "id, agent, hash, created_at_ms, last_used_at_ms, revoked_at_ms";

        public static TokenRow Read(SqliteRow r) =>
            new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.NullableInt64(4), r.NullableInt64(5));

        public AgentTokenInfo ToInfo() => new(Id, Agent, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs),
            LastUsedAtMs is { } used ? DateTimeOffset.FromUnixTimeMilliseconds(used) : null,
            RevokedAtMs is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null);
    }
}
