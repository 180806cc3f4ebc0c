using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>resume_subscription</c>: Stripe has two kinds of pause. A paused collection (<c>pause_collection</c>) resumes by
/// clearing it; a subscription in status <c>paused</c> (a trial that ended without a payment method) resumes through
/// Stripe's resume endpoint, which starts a new billing period.
/// </summary>
public sealed class ResumeSubscriptionTool(StripeClients clients) : SubscriptionTool(clients)
{
    public override string Name => "resume_subscription";

    public override string Title => "Resume a paused subscription";

    public override ToolEffect Effect => ToolEffect.Change;

    protected override string Action => "resume";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Resume a subscription: clears a paused payment collection, or resumes a subscription in status 'paused' " +
        "(Stripe then starts a new billing period and invoices it). resumed_by says which was done.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["subscription"] = Id("The subscription to resume (sub_...)."),
        ["request_id"] = RequestId(),
    }, "subscription");

    public override JsonObject OutputSchema()
    {
        var properties = StripeSchemas.Subscription();
        properties["resumed_by"] = Prop("string", "clear_pause_collection, resume (status 'paused'), or already_resumed when a retry found the earlier attempt had done it");
        return StripeSchemas.ObjectOf(WithCallFields(properties), "id", "status", "resumed_by");
    }

    protected override Resolution Check(ToolInvocation call, Subscription subscription, Resolution resolution) =>
        subscription.Status == "paused" || subscription.PauseCollection is not null
            ? resolution
            : Refuse(resolution, DenialCodes.NotAllowed, $"is '{subscription.Status}' and its payment collection is not paused: nothing to resume");

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution? resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var current = await CurrentAsync(call, resolved, stripe, ct);
        Subscription subscription;
        string resumedBy;
        if (current.Status == "paused")
        {
            // The resume endpoint takes no metadata; the idempotency key still makes a re-send one request.
            subscription = await stripe.V1.Subscriptions.ResumeAsync(current.Id, new SubscriptionResumeOptions(), Idempotent(keys), ct);
            resumedBy = "resume";
        }
        else if (current.PauseCollection is null && resolved is null)
        {
            // Re-sending after an unknown outcome: the earlier attempt already resumed it.
            return Resumed(current, "already_resumed");
        }
        else
        {
            // Stripe.net sends a property set explicitly to null as an empty value, which is how Stripe unsets it.
            subscription = await stripe.V1.Subscriptions.UpdateAsync(current.Id, new SubscriptionUpdateOptions
            {
                PauseCollection = null,
                Metadata = Stamp(keys),
            }, Idempotent(keys), ct);
            resumedBy = "clear_pause_collection";
        }

        return Resumed(subscription, resumedBy);
    }

    private static ExecutionResult.Succeeded Resumed(Subscription subscription, string resumedBy)
    {
        var result = StripeJson.Subscription(subscription);
        result["resumed_by"] = resumedBy;
        return new ExecutionResult.Succeeded(result, null, subscription.Id, subscription.StripeResponse?.RequestId);
    }
}
