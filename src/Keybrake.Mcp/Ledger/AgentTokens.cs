using Dapper;

namespace Keybrake.Mcp.Ledger;

/// <summary>One issued bearer token as <c>token list</c> shows it; the secret itself is never stored.</summary>
public sealed record AgentTokenInfo(string Id, string Agent, DateTimeOffset Created, DateTimeOffset? LastUsed, DateTimeOffset? Revoked);

/// <summary>
/// Bearer tokens for agents over HTTP, in the shared ledger. A token is <c>kbk_&lt;id&gt;_&lt;secret&gt;</c>: the id finds
/// the row, the SHA-256 of the whole token is compared in constant time. Only the hash is stored, so the ledger file
/// cannot be used to call the server.
/// </summary>
public sealed class AgentTokens(ILedgerDatabase database, TimeProvider time)
{
    private const string Prefix = "kbk_";

    // A token used again within this long does not rewrite its last-used time: a write per request is not worth it.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>Creates a token for an agent and returns it: the only time the secret exists outside the caller.</summary>
    public async Task<(string Token, AgentTokenInfo Info)> IssueAsync(string agent, CancellationToken ct)
    {
        var (id, token) = BearerSecret.New(Prefix);
        var now = time.GetUtcNow();
        await database.WriteAsync(s => s.Connection.ExecuteAsync(
            "INSERT INTO agent_token (id, agent, hash, created_at_ms) VALUES (@id, @agent, @hash, @now)",
            new { id, agent, hash = BearerSecret.Hash(token), now = now.ToUnixTimeMilliseconds() }, s.Transaction), ct);
        return (token, new AgentTokenInfo(id, agent, now, null, null));
    }

    /// <summary>The agent a presented token belongs to, or null when it is malformed, unknown or revoked.</summary>
    public async Task<AgentTokenInfo?> ValidateAsync(string? presented, CancellationToken ct)
    {
        if (BearerSecret.IdOf(presented, Prefix) is not { } id)
        {
            return null;
        }

        var row = await database.ReadAsync(s => s.Connection.QueryFirstOrDefaultAsync<TokenRow>(
            $"SELECT {TokenRow.Columns} FROM agent_token WHERE id = @id", new { id }, s.Transaction), ct);
        if (row is null || row.RevokedAtMs is not null || !BearerSecret.Matches(row.Hash, presented!))
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (row.LastUsedAtMs is not { } lastUsed || now - lastUsed > LastUsedResolution.TotalMilliseconds)
        {
            await database.WriteAsync(s => s.Connection.ExecuteAsync("UPDATE agent_token SET last_used_at_ms = @now WHERE id = @id", new { now, id }, s.Transaction), ct);
        }

        return row.ToInfo();
    }

    public Task<IReadOnlyList<AgentTokenInfo>> ListAsync(CancellationToken ct) =>
        database.ReadAsync<IReadOnlyList<AgentTokenInfo>>(async s =>
            (await s.Connection.QueryAsync<TokenRow>($"SELECT {TokenRow.Columns} FROM agent_token ORDER BY created_at_ms, id", transaction: s.Transaction))
            .Select(r => r.ToInfo()).ToArray(), ct);

    /// <summary>Revokes one token; false when no live token has that id.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await database.WriteAsync(s => s.Connection.ExecuteAsync(
            "UPDATE agent_token SET revoked_at_ms = @now WHERE id = @id AND revoked_at_ms IS NULL", new { now, id }, s.Transaction), ct) > 0;
    }

}

/// <summary>An <c>agent_token</c> row.</summary>
internal sealed record TokenRow(string Id, string Agent, string Hash, long CreatedAtMs, long? LastUsedAtMs, long? RevokedAtMs)
{
    public const string Columns = "id, agent, hash, created_at_ms, last_used_at_ms, revoked_at_ms";

    public AgentTokenInfo ToInfo() => new(Id, Agent, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs),
        LastUsedAtMs is { } used ? DateTimeOffset.FromUnixTimeMilliseconds(used) : null,
        RevokedAtMs is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null);
}
