using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>cancel_subscription</c>: at the period's end by default (an update, reversible until then), or now (Stripe's
/// DELETE, which takes no idempotency key: the ledger's request dedup is what keeps a retry from acting twice).
/// </summary>
public sealed class CancelSubscriptionTool(StripeClients clients) : SubscriptionTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("cancel_subscription", "Cancel a subscription", ToolEffect.Change,
        "Cancel a subscription. No constraints besides shadow; write {}.")
    {
        StripePermissions = ["subscriptions:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Subscription, bool? AtPeriodEnd, string? Feedback, string? Comment) : ISubscriptionArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Id("subscription"), arguments.Flag("at_period_end"), arguments.Text("feedback"), arguments.Text("comment"));

    private static readonly string[] Feedback =
        ["customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex", "too_expensive", "unused"];

    protected override string Action => "cancellation";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Cancel a subscription. By default it is canceled at the end of the current period (the customer keeps access until then); " +
        "at_period_end=false cancels it immediately, which cannot be undone. feedback and comment record why.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["subscription"] = Id("The subscription to cancel (sub_...)."),
        ["at_period_end"] = new JsonObject
        {
            ["type"] = "boolean",
            ["description"] = "true (default): cancel when the current period ends; false: cancel now, irreversibly.",
        },
        ["feedback"] = Enum(Feedback, "The customer's reason for canceling, in Stripe's cancellation_details.feedback values."),
        ["comment"] = String("Free-text reason for canceling (Stripe's cancellation_details.comment).", 500),
        ["request_id"] = RequestId(),
    }, "subscription");

    protected override async Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        // Cancelling now is a DELETE, which carries no metadata: a canceled subscription is the evidence.
        var subscription = await stripe.V1.Subscriptions.GetAsync(Args<Arguments>(call).Subscription, cancellationToken: ct);
        return subscription.Status == "canceled"
            ? new Reconciliation.Happened(StripeJson.Subscription(subscription), null, subscription.Id)
            : await BySubscriptionStampAsync(call, stripe, ct);
    }

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(WithCallFields(StripeSchemas.Subscription()), "id", "status", "cancel_at_period_end");

    // Cancelling now is Stripe's DELETE, which takes no idempotency key: only evidence settles it.
    public override bool CanReplay(ToolInvocation call) => AtPeriodEnd(call);

    protected override Resolution Check(ToolInvocation call, Subscription subscription, Resolution resolution)
    {
        if (subscription.Status is "canceled" or "incomplete_expired")
        {
            return Refuse(resolution, DenialCodes.NotAllowed, $"is already '{subscription.Status}'");
        }

        return AtPeriodEnd(call) && subscription.CancelAtPeriodEnd
            ? Refuse(resolution, DenialCodes.NotAllowed, "is already set to cancel at the end of its period")
            : resolution;
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var id = args.Subscription;
        var details = args.Feedback is null && args.Comment is null
            ? null
            : new SubscriptionCancellationDetailsOptions { Feedback = args.Feedback, Comment = args.Comment };
        if (AtPeriodEnd(call))
        {
            return Done(await stripe.V1.Subscriptions.UpdateAsync(id, new SubscriptionUpdateOptions
            {
                CancelAtPeriodEnd = true,
                CancellationDetails = details,
                Metadata = Stamp(keys),
            }, Idempotent(keys), ct));
        }

        if (keys.Resend && await stripe.V1.Subscriptions.GetAsync(id, cancellationToken: ct) is { Status: "canceled" } gone)
        {
            // Re-sending after an unknown outcome: a second DELETE would fail, so report the cancellation that happened.
            return Done(gone);
        }

        return Done(await stripe.V1.Subscriptions.CancelAsync(id, new SubscriptionCancelOptions { CancellationDetails = details }, cancellationToken: ct));
    }

    private static bool AtPeriodEnd(ToolInvocation call) => Args<Arguments>(call).AtPeriodEnd ?? true;
}
