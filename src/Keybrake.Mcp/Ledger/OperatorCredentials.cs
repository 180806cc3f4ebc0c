using Dapper;

namespace Keybrake.Mcp.Ledger;

/// <summary>An operator credential or console session as listed; its secret is never stored.</summary>
public sealed record OperatorCredentialInfo(string Id, string Operator, string Kind, DateTimeOffset Created, DateTimeOffset? Expires,
    DateTimeOffset? LastUsed, DateTimeOffset? Revoked);

/// <summary>
/// Operators' credentials in the shared ledger: long-lived tokens (<c>kbo_</c>, from <c>operator token issue</c>) that sign
/// in to the console, and the console sessions (<c>kbs_</c>) a sign-in starts. Agents' tokens (<c>kbk_</c>) live in
/// another table and are never accepted here, nor these at <c>/mcp</c>. Only hashes are stored.
/// </summary>
public sealed class OperatorCredentials(ILedgerDatabase database, TimeProvider time)
{
    /// <summary>Kind of a long-lived operator token.</summary>
    public const string Token = "token";

    /// <summary>Kind of a console session.</summary>
    public const string Session = "session";

    private const string TokenPrefix = "kbo_";
    private const string SessionPrefix = "kbs_";

    // A credential used again within this long does not rewrite its last-used time: a write per page is not worth it.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>Creates an operator token and returns it: the only time its secret exists outside the caller.</summary>
    public Task<(string Value, OperatorCredentialInfo Info)> IssueTokenAsync(string name, CancellationToken ct) => CreateAsync(name, Token, null, ct);

    /// <summary>The live credential of this kind a presented value is, or null (malformed, unknown, revoked, expired).</summary>
    public async Task<OperatorCredentialInfo?> ValidateAsync(string? presented, string kind, CancellationToken ct)
    {
        if (BearerSecret.IdOf(presented, PrefixOf(kind)) is not { } id)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var row = await database.ReadAsync(s => s.Connection.QueryFirstOrDefaultAsync<OperatorCredentialRow>(
            $"SELECT {OperatorCredentialRow.Columns} FROM operator_credential WHERE id = @id AND kind = @kind", new { id, kind }, s.Transaction), ct);
        if (row is null || row.RevokedAtMs is not null || row.ExpiresAtMs < now || !BearerSecret.Matches(row.Hash, presented!))
        {
            return null;
        }

        if (row.LastUsedAtMs is not { } lastUsed || now - lastUsed > LastUsedResolution.TotalMilliseconds)
        {
            await database.WriteAsync(s => s.Connection.ExecuteAsync(
                "UPDATE operator_credential SET last_used_at_ms = @now WHERE id = @id", new { now, id }, s.Transaction), ct);
        }

        return row.ToInfo();
    }

    /// <summary>Every operator token (not the sessions they started), oldest first.</summary>
    public Task<IReadOnlyList<OperatorCredentialInfo>> ListTokensAsync(CancellationToken ct) =>
        database.ReadAsync<IReadOnlyList<OperatorCredentialInfo>>(async s =>
            (await s.Connection.QueryAsync<OperatorCredentialRow>(
                $"SELECT {OperatorCredentialRow.Columns} FROM operator_credential WHERE kind = 'token' ORDER BY created_at_ms, id", transaction: s.Transaction))
            .Select(r => r.ToInfo()).ToArray(), ct);

    /// <summary>Revokes one credential by id, and with a token every session it started; false when none was live.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await database.WriteAsync(s => s.Connection.ExecuteAsync(
            "UPDATE operator_credential SET revoked_at_ms = @now WHERE (id = @id OR started_by = @id) AND revoked_at_ms IS NULL",
            new { now, id }, s.Transaction), ct) > 0;
    }

    /// <summary>Starts a session for the operator a token names, remembering the token so that revoking it ends the session.</summary>
    public async Task<(string Value, OperatorCredentialInfo Info)?> SignInAsync(string? presentedToken, TimeSpan lifetime, CancellationToken ct) =>
        await ValidateAsync(presentedToken, Token, ct) is { } token ? await CreateAsync(token.Operator, Session, lifetime, ct, startedBy: token.Id) : null;

    private async Task<(string Value, OperatorCredentialInfo Info)> CreateAsync(string name, string kind, TimeSpan? lifetime, CancellationToken ct,
        string? startedBy = null)
    {
        var (id, value) = BearerSecret.New(PrefixOf(kind));
        var now = time.GetUtcNow();
        var expires = lifetime is { } l ? now + l : (DateTimeOffset?)null;
        await database.WriteAsync(s => s.Connection.ExecuteAsync(
            "INSERT INTO operator_credential (id, operator, kind, hash, created_at_ms, expires_at_ms, started_by) " +
            "VALUES (@id, @name, @kind, @hash, @now, @expires, @startedBy)",
            new { id, name, kind, hash = BearerSecret.Hash(value), now = now.ToUnixTimeMilliseconds(), expires = expires?.ToUnixTimeMilliseconds(), startedBy },
            s.Transaction), ct);
        return (value, new OperatorCredentialInfo(id, name, kind, now, expires, null, null));
    }

    private static string PrefixOf(string kind) => kind == Token ? TokenPrefix : SessionPrefix;
}

/// <summary>An <c>operator_credential</c> row.</summary>
internal sealed record OperatorCredentialRow(string Id, string Operator, string Kind, string Hash, long CreatedAtMs, long? ExpiresAtMs, long? LastUsedAtMs,
    long? RevokedAtMs, string? StartedBy)
{
    public const string Columns = "id, operator, kind, hash, created_at_ms, expires_at_ms, last_used_at_ms, revoked_at_ms, started_by";

    public OperatorCredentialInfo ToInfo() => new(Id, Operator, Kind, At(CreatedAtMs)!.Value, At(ExpiresAtMs), At(LastUsedAtMs), At(RevokedAtMs));

    private static DateTimeOffset? At(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
