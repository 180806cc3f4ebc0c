using System.Collections.Concurrent;
using Keybrake.Mcp.Hosting;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Notifications;

/// <summary>
/// Sends the outbox's events in the server processes: routes new events to their endpoints, claims due deliveries,
/// POSTs them signed, and schedules a failed one again with exponential backoff until it is a day old. It runs beside
/// the calls, never on their path: a dead or slow endpoint delays only its own events.
/// </summary>
public sealed class NotificationDispatcher(SqlNotificationOutbox outbox, ManifestSource manifests, WebhookSender sender, NotificationSettings settings,
    Func<string, string?> environment, InstanceIdentity instance, TimeProvider time, ILogger<NotificationDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan KeepFinished = TimeSpan.FromDays(7);

    private readonly ConcurrentDictionary<string, bool> warnedSecrets = new(StringComparer.Ordinal);
    private DateTimeOffset nextPrune = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not at once: a client's first requests go to a server that has just started, and they come first.
        if (!await time.WaitOrStopAsync(Interval(), stoppingToken))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await RunOnceAsync(stoppingToken);
            }
            catch (LedgerUnavailableException ex)
            {
                logger.LogWarning("Could not read or update the notification outbox: {Message}", ex.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            // A full batch: more may be due at once.
            if (sent < settings.BatchSize && !await time.WaitOrStopAsync(Interval(), stoppingToken))
            {
                break;
            }
        }
    }

    /// <summary>One pass: routes new events, then sends one batch of due deliveries. Returns how many it attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await RouteAsync(ct);
        if (!await outbox.AnyDueAsync(ct))
        {
            await PruneAsync(ct);
            return 0;
        }

        var claimed = await outbox.ClaimAsync(instance.Id, settings.BatchSize, settings.ClaimLease, ct);
        await Task.WhenAll(claimed.Select(d => DeliverAsync(d, ct)));
        return claimed.Count;
    }

    private async Task RouteAsync(CancellationToken ct)
    {
        var events = await outbox.ReadUnroutedAsync(100, ct);
        if (events.Count > 0)
        {
            var current = manifests.Current;
            await outbox.RouteAsync([.. events.Select(e => (e, NotificationRoutes.For(e, current)))], ct);
        }
    }

    private async Task DeliverAsync(PendingDelivery d, CancellationToken ct)
    {
        var error = environment(d.SecretEnv) is { Length: > 0 } secret
            ? await sender.SendAsync(d.Url, d.Event.Id, d.Event.Body, secret, ct)
            : MissingSecret(d);
        if (error is null)
        {
            await outbox.DeliveredAsync(d, instance.Id, ct);
            logger.LogInformation("Sent {Type} {Id} to {Host}", d.Event.Type, d.Event.Id, d.Url.Host);
            return;
        }

        var attempts = d.Attempts + 1;
        var next = time.GetUtcNow() + settings.RetryAfter(attempts);
        if (next - d.Created > settings.GiveUpAfter)
        {
            await outbox.GiveUpAsync(d, instance.Id, error, ct);
            logger.LogError("Gave up sending {Type} {Id} to {Host} after {Attempts} attempts over {Hours:0.#} h: {Error}",
                d.Event.Type, d.Event.Id, d.Url.Host, attempts, (time.GetUtcNow() - d.Created).TotalHours, error);
            return;
        }

        await outbox.RetryAsync(d, instance.Id, next, error, ct);
        // The host only: a URL's path can be a credential of its own (a Slack incoming webhook's is).
        logger.LogWarning("Could not send {Type} {Id} to {Host} (attempt {Attempts}): {Error}; trying again in {Seconds:0.###} s",
            d.Event.Type, d.Event.Id, d.Url.Host, attempts, error, settings.RetryAfter(attempts).TotalSeconds);
    }

    // Unsigned events are never sent: the receiver could not tell them from a forgery.
    private string MissingSecret(PendingDelivery d)
    {
        var message = $"the environment variable {d.SecretEnv} that holds the signing secret is not set in this server's environment";
        if (warnedSecrets.TryAdd(d.SecretEnv, true))
        {
            logger.LogWarning("Notifications to {Host}: {Message}", d.Url.Host, message);
        }

        return message;
    }

    private async Task PruneAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now >= nextPrune)
        {
            nextPrune = now + TimeSpan.FromHours(1);
            await outbox.PruneAsync(now - KeepFinished, ct);
        }
    }

    private TimeSpan Interval() =>
        manifests.Current.Roles.Values.Any(r => !r.Notify.IsEmpty) ? settings.PollInterval : settings.IdlePollInterval;
}
