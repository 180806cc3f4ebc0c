using Dapper;

namespace Keybrake.Mcp.Ledger;

/// <summary>What a copy moved, table by table, and the chain as the target verifies it.</summary>
public sealed record LedgerCopyReport(IReadOnlyDictionary<string, long> Rows, AuditChainReport Source, AuditChainReport Target)
{
    /// <summary>The target's chain verifies and ends where the source's does.</summary>
    public bool Intact => Source.Ok && Target.Ok && Target.Head == Source.Head && Target.Events == Source.Events && Target.Records == Source.Records;
}

/// <summary>
/// Moves a whole ledger into an empty one (a SQLite file to PostgreSQL, typically): every table, row for row, in one
/// transaction on the target, the audit rows and chain events with their ids and hashes as they are, so the chain
/// verifies on the target exactly as on the source. Leases are not copied: they belong to the instances of the source.
/// </summary>
public static class LedgerCopy
{
    public static async Task<LedgerCopyReport> CopyAsync(ILedgerDatabase from, ILedgerDatabase to, CancellationToken ct)
    {
        var source = await new SqlLedger(from, TimeProvider.System).VerifyChainAsync(ct);
        var rows = await to.WriteAsync(async target =>
        {
            var existing = await target.Connection.ExecuteScalarAsync<long>(
                "SELECT (SELECT COUNT(*) FROM audit) + (SELECT COUNT(*) FROM audit_chain) + (SELECT COUNT(*) FROM revocation) + " +
                "(SELECT COUNT(*) FROM agent_token) + (SELECT COUNT(*) FROM approval) + (SELECT COUNT(*) FROM operator_credential)", transaction: target.Transaction);
            if (existing > 0)
            {
                throw new InvalidOperationException($"{to.Name} already holds a ledger ({existing} rows); a copy goes into an empty one only");
            }

            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            await CopyTableAsync(from, "revocation", counts, s => s.Connection.QueryUnbufferedAsync<RevocationRow>(
                "SELECT scope, revoked_at_ms, reason FROM revocation", transaction: s.Transaction), r => target.Connection.ExecuteAsync(
                "INSERT INTO revocation (scope, revoked_at_ms, reason) VALUES (@Scope, @RevokedAtMs, @Reason)",
                new { r.Scope, r.RevokedAtMs, r.Reason }, target.Transaction), ct);
            await CopyTableAsync(from, "agent_token", counts, s => s.Connection.QueryUnbufferedAsync<TokenRow>(
                $"SELECT {TokenRow.Columns} FROM agent_token", transaction: s.Transaction), t => target.Connection.ExecuteAsync(
                "INSERT INTO agent_token (id, agent, hash, created_at_ms, last_used_at_ms, revoked_at_ms) VALUES (@Id, @Agent, @Hash, @CreatedAtMs, @LastUsedAtMs, @RevokedAtMs)",
                new { t.Id, t.Agent, t.Hash, t.CreatedAtMs, t.LastUsedAtMs, t.RevokedAtMs }, target.Transaction), ct);
            await CopyTableAsync(from, "approval", counts, s => s.Connection.QueryUnbufferedAsync<ApprovalRow>(
                "SELECT id, agent, role, tool, fingerprint, arguments, amount_minor, currency, status, created_at_ms, expires_at_ms, decided_at_ms, decided_by, " +
                "reason, used_by_call, object, customer FROM approval", transaction: s.Transaction), a => target.Connection.ExecuteAsync(
                "INSERT INTO approval (id, agent, role, tool, fingerprint, arguments, amount_minor, currency, status, created_at_ms, expires_at_ms, decided_at_ms, " +
                "decided_by, reason, used_by_call, object, customer) VALUES (@Id, @Agent, @Role, @Tool, @Fingerprint, @Arguments, @AmountMinor, @Currency, @Status, " +
                "@CreatedAtMs, @ExpiresAtMs, @DecidedAtMs, @DecidedBy, @Reason, @UsedByCall, @Object, @Customer)",
                new
                {
                    a.Id, a.Agent, a.Role, a.Tool, a.Fingerprint, a.Arguments, a.AmountMinor, a.Currency, a.Status, a.CreatedAtMs, a.ExpiresAtMs, a.DecidedAtMs,
                    a.DecidedBy, a.Reason, a.UsedByCall, a.Object, a.Customer,
                }, target.Transaction), ct);
            await CopyTableAsync(from, "operator_credential", counts, s => s.Connection.QueryUnbufferedAsync<OperatorCredentialRow>(
                $"SELECT {OperatorCredentialRow.Columns} FROM operator_credential", transaction: s.Transaction), c => target.Connection.ExecuteAsync(
                $"INSERT INTO operator_credential ({OperatorCredentialRow.Columns}) " +
                "VALUES (@Id, @Operator, @Kind, @Hash, @CreatedAtMs, @ExpiresAtMs, @LastUsedAtMs, @RevokedAtMs, @StartedBy)",
                new { c.Id, c.Operator, c.Kind, c.Hash, c.CreatedAtMs, c.ExpiresAtMs, c.LastUsedAtMs, c.RevokedAtMs, c.StartedBy }, target.Transaction), ct);
            await CopyTableAsync(from, "operator_action", counts, s => s.Connection.QueryUnbufferedAsync<OperatorActionRow>(
                "SELECT id, at_ms, operator, action, target, detail FROM operator_action", transaction: s.Transaction), a => target.Connection.ExecuteAsync(
                "INSERT INTO operator_action (id, at_ms, operator, action, target, detail) VALUES (@Id, @AtMs, @Operator, @Action, @Target, @Detail)",
                new { a.Id, a.AtMs, a.Operator, a.Action, a.Target, a.Detail }, target.Transaction), ct);
            // Notifications not yet delivered are delivered from the new ledger; thresholds stay reported once.
            await CopyTableAsync(from, "notify_event", counts, s => s.Connection.QueryUnbufferedAsync<NotifyEventRow>(
                "SELECT id, type, at_ms, role, agent, scope, body, fanned_out FROM notify_event", transaction: s.Transaction), e => target.Connection.ExecuteAsync(
                "INSERT INTO notify_event (id, type, at_ms, role, agent, scope, body, fanned_out) VALUES (@Id, @Type, @AtMs, @Role, @Agent, @Scope, @Body, @FannedOut)",
                new { e.Id, e.Type, e.AtMs, e.Role, e.Agent, e.Scope, e.Body, e.FannedOut }, target.Transaction), ct);
            await CopyTableAsync(from, "notify_delivery", counts, s => s.Connection.QueryUnbufferedAsync<NotifyDeliveryRow>(
                "SELECT event_id, url, secret_env, status, attempts, created_at_ms, next_at_ms, last_error, done_at_ms FROM notify_delivery", transaction: s.Transaction),
                d => target.Connection.ExecuteAsync(
                    "INSERT INTO notify_delivery (event_id, url, secret_env, status, attempts, created_at_ms, next_at_ms, last_error, done_at_ms) " +
                    "VALUES (@EventId, @Url, @SecretEnv, @Status, @Attempts, @CreatedAtMs, @NextAtMs, @LastError, @DoneAtMs)",
                    new { d.EventId, d.Url, d.SecretEnv, d.Status, d.Attempts, d.CreatedAtMs, d.NextAtMs, d.LastError, d.DoneAtMs }, target.Transaction), ct);
            await CopyTableAsync(from, "notify_threshold", counts, s => s.Connection.QueryUnbufferedAsync<NotifyThresholdRow>(
                "SELECT scope, currency, window_name, percent, at_ms FROM notify_threshold", transaction: s.Transaction), t => target.Connection.ExecuteAsync(
                "INSERT INTO notify_threshold (scope, currency, window_name, percent, at_ms) VALUES (@Scope, @Currency, @WindowName, @Percent, @AtMs)",
                new { t.Scope, t.Currency, t.WindowName, t.Percent, t.AtMs }, target.Transaction), ct);
            await CopyTableAsync(from, "spend", counts, s => s.Connection.QueryUnbufferedAsync<HeldRow>(
                "SELECT call_id, agent, role, currency, amount_minor, at_ms, agent_mask, role_mask FROM spend", transaction: s.Transaction), h => target.Connection.ExecuteAsync(
                "INSERT INTO spend (call_id, agent, role, currency, amount_minor, at_ms, agent_mask, role_mask) " +
                "VALUES (@CallId, @Agent, @Role, @Currency, @AmountMinor, @AtMs, @AgentMask, @RoleMask)",
                new { h.CallId, h.Agent, h.Role, h.Currency, h.AmountMinor, h.AtMs, h.AgentMask, h.RoleMask }, target.Transaction), ct);
            await CopyTableAsync(from, "usage_bucket", counts, s => s.Connection.QueryUnbufferedAsync<BucketRow>(
                "SELECT scope, kind, currency, granularity_ms, bucket_ms, amount FROM usage_bucket", transaction: s.Transaction), b => target.Connection.ExecuteAsync(
                "INSERT INTO usage_bucket (scope, kind, currency, granularity_ms, bucket_ms, amount) VALUES (@Scope, @Kind, @Currency, @GranularityMs, @BucketMs, @Amount)",
                new { b.Scope, b.Kind, b.Currency, b.GranularityMs, b.BucketMs, b.Amount }, target.Transaction), ct);
            await CopyTableAsync(from, "audit", counts, s => s.Connection.QueryUnbufferedAsync<AuditRow>(
                $"SELECT {AuditRow.AllColumns} FROM audit ORDER BY id", transaction: s.Transaction), r => target.Connection.ExecuteAsync(
                $"INSERT INTO audit ({AuditRow.AllColumns}) VALUES (@Id, @CallId, @AtMs, @Agent, @Role, @Tool, @Outcome, @Code, @Message, @Amount, @Currency, " +
                "@Object, @StripeRequestId, @IdempotencyKey, @DurationMs, @ArgumentsSha256, @RecurringDelta, @Auth, @Arguments, @Result, @Context, @InstanceId, @Hash, @Fingerprint)",
                new
                {
                    r.Id, r.CallId, r.AtMs, r.Agent, r.Role, r.Tool, r.Outcome, r.Code, r.Message, r.Amount, r.Currency, r.Object, r.StripeRequestId,
                    r.IdempotencyKey, r.DurationMs, r.ArgumentsSha256, r.RecurringDelta, r.Auth, r.Arguments, r.Result, r.Context, r.InstanceId, r.Hash, r.Fingerprint,
                }, target.Transaction), ct);
            await CopyTableAsync(from, "audit_chain", counts, AuditChainStore.ReadAsync, e => target.Connection.ExecuteAsync(
                "INSERT INTO audit_chain (seq, call_id, at_ms, content, prev_hash, hash) VALUES (@Seq, @CallId, @AtMs, @Content, @PrevHash, @Hash)",
                new { e.Seq, e.CallId, e.AtMs, e.Content, e.PrevHash, e.Hash }, target.Transaction), ct);
            return counts;
        }, ct);

        var copied = await new SqlLedger(to, TimeProvider.System).VerifyChainAsync(ct);
        return new LedgerCopyReport(rows, source, copied);
    }

    private static async Task CopyTableAsync<T>(ILedgerDatabase from, string table, Dictionary<string, long> counts,
        Func<LedgerSession, IAsyncEnumerable<T>> read, Func<T, Task<int>> write, CancellationToken ct)
    {
        long n = 0;
        await foreach (var row in from.StreamAsync(read, ct))
        {
            await write(row);
            n++;
        }

        counts[table] = n;
    }
}

/// <summary>A <c>spend</c> row with its key.</summary>
internal sealed record HeldRow(string CallId, string Agent, string Role, string Currency, long AmountMinor, long AtMs, int AgentMask, int RoleMask);

/// <summary>A <c>usage_bucket</c> row.</summary>
internal sealed record BucketRow(string Scope, string Kind, string Currency, long GranularityMs, long BucketMs, long Amount);

/// <summary>A <c>notify_event</c> row.</summary>
internal sealed record NotifyEventRow(string Id, string Type, long AtMs, string? Role, string? Agent, string? Scope, string Body, int FannedOut);

/// <summary>A <c>notify_delivery</c> row, without its claim (claims belong to the instances of the source).</summary>
internal sealed record NotifyDeliveryRow(string EventId, string Url, string SecretEnv, string Status, int Attempts, long CreatedAtMs, long NextAtMs,
    string? LastError, long? DoneAtMs);

/// <summary>A <c>notify_threshold</c> row.</summary>
internal sealed record NotifyThresholdRow(string Scope, string Currency, string WindowName, int Percent, long AtMs);
