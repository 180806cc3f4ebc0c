using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of the tools that act on one subscription: resolving reads it once (its customer decides the scope check) and
/// hands it to the tool's own checks, so a refusal never sends a write.
/// </summary>
public abstract class SubscriptionTool(StripeClients clients) : StripeTool(clients)
{
    /// <summary>Verb for messages about the call: "pause", "plan change".</summary>
    protected abstract string Action { get; }

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var subscription = await stripe.V1.Subscriptions.GetAsync(Arg(call, "subscription")!, cancellationToken: ct);
        var resolution = new Resolution
        {
            Object = subscription.Id,
            Describes = $"subscription {subscription.Id}",
            Scoped = true,
            Customer = subscription.CustomerId,
            Action = Action,
            Prefetched = subscription,
        };
        return await CheckAsync(call, subscription, resolution, stripe, ct);
    }

    protected override Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        BySubscriptionStampAsync(call, stripe, ct);

    /// <summary>The tool's own preconditions; returns the resolution, refused or with the money it will move.</summary>
    protected virtual Resolution Check(ToolInvocation call, Subscription subscription, Resolution resolution) => resolution;

    /// <summary>As <see cref="Check"/>, for tools that must read more from Stripe (a price, an invoice preview).</summary>
    protected virtual Task<Resolution> CheckAsync(ToolInvocation call, Subscription subscription, Resolution resolution, StripeClient stripe, CancellationToken ct) =>
        Task.FromResult(Check(call, subscription, resolution));

    /// <summary>
    /// The subscription as resolved, or read again when re-sending a request whose outcome was unknown (then
    /// <paramref name="resolved"/> is null and the earlier attempt may already have changed it).
    /// </summary>
    protected static async Task<Subscription> CurrentAsync(ToolInvocation call, Resolution? resolved, StripeClient stripe, CancellationToken ct) =>
        resolved?.Prefetched as Subscription
        ?? await stripe.V1.Subscriptions.GetAsync(Arg(call, "subscription")!, cancellationToken: ct);

    protected static Resolution Refuse(Resolution resolution, string code, string message) =>
        resolution with { Denial = new Denial(code, $"{resolution.Describes} {message}") };

    protected static ExecutionResult.Succeeded Done(Subscription subscription) =>
        new(StripeJson.Subscription(subscription), null, subscription.Id, subscription.StripeResponse?.RequestId);
}
