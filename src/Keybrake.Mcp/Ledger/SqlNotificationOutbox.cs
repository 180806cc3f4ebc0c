using Dapper;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Notifications;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The dispatcher's side of the notification outbox. An event is routed once to the endpoints that take it (one
/// delivery row per event and URL); a delivery is claimed for a short lease before it is sent, so of two instances on
/// one ledger only one sends it, and one that died mid-send leaves it to the next claim when the lease lapses.
/// </summary>
public sealed class SqlNotificationOutbox(ILedgerDatabase database, TimeProvider time)
{
    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Events not yet routed to their endpoints, oldest first.</summary>
    public Task<IReadOnlyList<NotificationEvent>> ReadUnroutedAsync(int limit, CancellationToken ct) =>
        database.ReadAsync<IReadOnlyList<NotificationEvent>>(async s =>
            (await s.Connection.QueryAsync<EventRow>(
                "SELECT id, type, at_ms, role, agent, scope, body FROM notify_event WHERE fanned_out = 0 ORDER BY at_ms LIMIT @limit",
                new { limit = (long)limit }, s.Transaction))
            .Select(r => r.ToEvent()).ToArray(), ct);

    /// <summary>Creates each event's deliveries (none when no endpoint takes it) and marks it routed, in one transaction.</summary>
    public Task RouteAsync(IReadOnlyList<(NotificationEvent Event, IReadOnlyList<NotifyEndpoint> Endpoints)> routes, CancellationToken ct) =>
        database.WriteAsync(async s =>
        {
            foreach (var (e, endpoints) in routes)
            {
                var created = e.Time.ToUnixTimeMilliseconds();
                foreach (var endpoint in endpoints)
                {
                    // Another instance may route the same event at the same time: the first row stands.
                    await s.Connection.ExecuteAsync(
                        "INSERT INTO notify_delivery (event_id, url, secret_env, status, attempts, created_at_ms, next_at_ms, claimed_until_ms) " +
                        "VALUES (@id, @url, @secretEnv, 'pending', 0, @created, @created, 0) ON CONFLICT (event_id, url) DO NOTHING",
                        new { id = e.Id, url = endpoint.Url.AbsoluteUri, secretEnv = endpoint.SecretEnv, created }, s.Transaction);
                }

                await s.Connection.ExecuteAsync("UPDATE notify_event SET fanned_out = 1 WHERE id = @id", new { id = e.Id }, s.Transaction);
            }

            return true;
        }, ct, housekeeping: true);

    /// <summary>Whether a delivery is due and unclaimed now: a read, so an idle dispatcher never writes.</summary>
    public Task<bool> AnyDueAsync(CancellationToken ct)
    {
        var now = NowMs;
        // One row answers: a backlog behind a dead endpoint is not counted every second.
        return database.ReadAsync(async s => await s.Connection.ExecuteScalarAsync<long?>(
            "SELECT 1 FROM notify_delivery WHERE status = 'pending' AND next_at_ms <= @now AND claimed_until_ms <= @now LIMIT 1",
            new { now }, s.Transaction) is not null, ct);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries for <paramref name="lease"/>. The outer conditions are checked
    /// again on each row as it is updated: of two instances picking the same rows, the second finds them claimed and skips them.
    /// </summary>
    public async Task<IReadOnlyList<PendingDelivery>> ClaimAsync(string owner, int limit, TimeSpan lease, CancellationToken ct)
    {
        var now = NowMs;
        var until = now + (long)lease.TotalMilliseconds;
        return await database.WriteAsync<IReadOnlyList<PendingDelivery>>(async s =>
        {
            var claimed = (await s.Connection.QueryAsync<ClaimRow>(
                "UPDATE notify_delivery SET claimed_until_ms = @until, claimed_by = @owner " +
                "WHERE status = 'pending' AND next_at_ms <= @now AND claimed_until_ms <= @now AND (event_id, url) IN (" +
                "SELECT event_id, url FROM notify_delivery WHERE status = 'pending' AND next_at_ms <= @now AND claimed_until_ms <= @now " +
                "ORDER BY next_at_ms LIMIT @limit) RETURNING event_id, url, secret_env, attempts, created_at_ms",
                new { until, owner, now, limit = (long)limit }, s.Transaction)).ToArray();
            if (claimed.Length == 0)
            {
                return [];
            }

            // The claimed deliveries' events in one statement, not one each while the writer is held.
            var events = (await s.Connection.QueryAsync<EventRow>(
                    "SELECT e.id, e.type, e.at_ms, e.role, e.agent, e.scope, e.body FROM notify_event e WHERE e.id IN " +
                    "(SELECT event_id FROM notify_delivery WHERE claimed_by = @owner AND claimed_until_ms = @until)",
                    new { owner, until }, s.Transaction))
                .ToDictionary(e => e.Id, e => e.ToEvent(), StringComparer.Ordinal);
            return [.. claimed.Select(row => new PendingDelivery(events[row.EventId], new Uri(row.Url), row.SecretEnv, row.Attempts,
                DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAtMs)))];
        }, ct, housekeeping: true);
    }

    /// <summary>The endpoint took it (2xx): done.</summary>
    public Task DeliveredAsync(PendingDelivery d, string owner, CancellationToken ct)
    {
        var now = NowMs;
        return database.WriteAsync(s => s.Connection.ExecuteAsync(
            "UPDATE notify_delivery SET status = 'delivered', attempts = attempts + 1, done_at_ms = @now, claimed_until_ms = 0, last_error = NULL " +
            "WHERE event_id = @id AND url = @url AND claimed_by = @owner AND status = 'pending'",
            new { now, id = d.Event.Id, url = d.Url.AbsoluteUri, owner }, s.Transaction), ct, housekeeping: true);
    }

    /// <summary>An attempt failed: tried again at <paramref name="next"/>, by whichever instance claims it then.</summary>
    public Task RetryAsync(PendingDelivery d, string owner, DateTimeOffset next, string error, CancellationToken ct) =>
        database.WriteAsync(s => s.Connection.ExecuteAsync(
            "UPDATE notify_delivery SET attempts = attempts + 1, next_at_ms = @next, claimed_until_ms = 0, last_error = @error " +
            "WHERE event_id = @id AND url = @url AND claimed_by = @owner AND status = 'pending'",
            new { next = next.ToUnixTimeMilliseconds(), error, id = d.Event.Id, url = d.Url.AbsoluteUri, owner }, s.Transaction), ct, housekeeping: true);

    /// <summary>The last attempt failed and the event is too old to try again.</summary>
    public Task GiveUpAsync(PendingDelivery d, string owner, string error, CancellationToken ct)
    {
        var now = NowMs;
        return database.WriteAsync(s => s.Connection.ExecuteAsync(
            "UPDATE notify_delivery SET status = 'failed', attempts = attempts + 1, done_at_ms = @now, claimed_until_ms = 0, last_error = @error " +
            "WHERE event_id = @id AND url = @url AND claimed_by = @owner AND status = 'pending'",
            new { now, error, id = d.Event.Id, url = d.Url.AbsoluteUri, owner }, s.Transaction), ct, housekeeping: true);
    }

    /// <summary>Every delivery's state, oldest first (for operators and tests).</summary>
    public Task<IReadOnlyList<DeliveryState>> ReadDeliveriesAsync(CancellationToken ct) =>
        database.ReadAsync<IReadOnlyList<DeliveryState>>(async s =>
            (await s.Connection.QueryAsync<DeliveryState>(
                "SELECT event_id, url, status, attempts, last_error FROM notify_delivery ORDER BY created_at_ms, event_id, url", transaction: s.Transaction))
            .ToArray(), ct);

    /// <summary>Forgets finished deliveries, and routed events with none left, older than <paramref name="before"/>.</summary>
    public Task PruneAsync(DateTimeOffset before, CancellationToken ct) =>
        database.WriteAsync(async s =>
        {
            var old = before.ToUnixTimeMilliseconds();
            await s.Connection.ExecuteAsync("DELETE FROM notify_delivery WHERE status <> 'pending' AND done_at_ms < @old", new { old }, s.Transaction);
            return await s.Connection.ExecuteAsync(
                "DELETE FROM notify_event WHERE fanned_out = 1 AND at_ms < @old AND NOT EXISTS (SELECT 1 FROM notify_delivery d WHERE d.event_id = notify_event.id)",
                new { old }, s.Transaction);
        }, ct, housekeeping: true);
}

/// <summary>A claimed delivery: the event, where it goes, and the name of the variable holding the secret that signs it.</summary>
public sealed record PendingDelivery(NotificationEvent Event, Uri Url, string SecretEnv, int Attempts, DateTimeOffset Created);

/// <summary>Where one delivery stands: <c>pending</c>, <c>delivered</c> or <c>failed</c> (given up).</summary>
public sealed record DeliveryState(string EventId, string Url, string Status, int Attempts, string? LastError);

/// <summary>A <c>notify_event</c> row.</summary>
internal sealed record EventRow(string Id, string Type, long AtMs, string? Role, string? Agent, string? Scope, string Body)
{
    public NotificationEvent ToEvent() => new(Id, Type, DateTimeOffset.FromUnixTimeMilliseconds(AtMs), Role, Agent, Scope, Body);
}

/// <summary>A claimed <c>notify_delivery</c> row.</summary>
internal sealed record ClaimRow(string EventId, string Url, string SecretEnv, int Attempts, long CreatedAtMs);
