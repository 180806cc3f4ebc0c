using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of the tools that act on one subscription: resolving reads it once (its customer decides the scope check) and
/// hands it to the tool's own checks, so a refusal never sends a write.
/// </summary>
public abstract class SubscriptionTool(StripeClients clients) : StripeTool(clients)
{
    // A change is prepared against the subscription's current items, trial and pause: another change still in flight
    // would make it act on a state it did not see.
    public override bool OneAtATimePerObject => true;

    /// <summary>Verb for messages about the call: "pause", "plan change".</summary>
    protected abstract string Action { get; }

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var subscription = await stripe.V1.Subscriptions.GetAsync(Args<ISubscriptionArguments>(call).Subscription, cancellationToken: ct);
        var resolution = new Resolution
        {
            Object = subscription.Id,
            Describes = $"subscription {subscription.Id}",
            Scoped = true,
            Customer = subscription.CustomerId,
            Action = Action,
            Prefetched = subscription,
        };
        var checkedResolution = await CheckAsync(call, subscription, resolution, stripe, ct);
        if (checkedResolution.Denial is not null)
        {
            return checkedResolution;
        }

        // What the request found, kept with the call: it is sent again only while the subscription is still so.
        var prepared = checkedResolution.Prepared ?? [];
        prepared[BeforeField] = StateOf(subscription);
        return checkedResolution with { Prepared = prepared };
    }

    private const string BeforeField = "before";

    protected override async Task<string?> ChangedSinceCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        if (SubscriptionCharges.Text(call.Prepared, BeforeField) is not { } before)
        {
            // Started before calls kept what they found: nothing to compare with.
            return null;
        }

        var subscription = await stripe.V1.Subscriptions.GetAsync(Args<ISubscriptionArguments>(call).Subscription, cancellationToken: ct);
        if (subscription.Metadata?.GetValueOrDefault("keybrake_call") == call.CallId || StateOf(subscription) == before)
        {
            return null;
        }

        return $"subscription {subscription.Id} changed since call {call.CallId} found it (then: {before}; now: {StateOf(subscription)})";
    }

    /// <summary>
    /// What a request on the subscription depends on, in one line: its items, status, pause, trial, cancellation and latest
    /// invoice. The same line before and now means no one changed it in between.
    /// </summary>
    private static string StateOf(Subscription s) =>
        string.Join(' ', s.Items.Data.Select(i => $"{i.Id}={i.Price?.Id}x{i.Quantity}")) +
        $" status={s.Status} pause={s.PauseCollection?.Behavior ?? "none"} trial_end={(s.TrialEnd is { } t ? new DateTimeOffset(t, TimeSpan.Zero).ToUnixTimeSeconds() : 0)}" +
        $" cancel_at_period_end={s.CancelAtPeriodEnd} cancel_at={(s.CancelAt is { } c ? new DateTimeOffset(c, TimeSpan.Zero).ToUnixTimeSeconds() : 0)}" +
        $" latest_invoice={s.LatestInvoiceId}";

    protected override Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        BySubscriptionStampAsync(call, stripe, ct);

    /// <summary>The tool's own preconditions; returns the resolution, refused or with the money it will move.</summary>
    protected virtual Resolution Check(ToolInvocation call, Subscription subscription, Resolution resolution) => resolution;

    /// <summary>As <see cref="Check"/>, for tools that must read more from Stripe (a price, an invoice preview).</summary>
    protected virtual Task<Resolution> CheckAsync(ToolInvocation call, Subscription subscription, Resolution resolution, StripeClient stripe, CancellationToken ct) =>
        Task.FromResult(Check(call, subscription, resolution));

    /// <summary>
    /// The subscription as resolved, or read again when re-sending a request whose outcome was unknown (then
    /// <paramref name="resolved"/> is <see cref="Resolution.Resend"/> and the earlier attempt may already have changed it).
    /// </summary>
    protected static async Task<Subscription> CurrentAsync(ToolInvocation call, Resolution resolved, StripeClient stripe, CancellationToken ct) =>
        resolved.Prefetched as Subscription
        ?? await stripe.V1.Subscriptions.GetAsync(Args<ISubscriptionArguments>(call).Subscription, cancellationToken: ct);

    protected static Resolution Refuse(Resolution resolution, string code, string message) =>
        resolution with { Denial = new Denial(code, $"{resolution.Describes} {message}") };

    protected static ExecutionResult.Succeeded Done(Subscription subscription) =>
        new(StripeJson.Subscription(subscription), null, subscription.Id, subscription.StripeResponse?.RequestId);
}
