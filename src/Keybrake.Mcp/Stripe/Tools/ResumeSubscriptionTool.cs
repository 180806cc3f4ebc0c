using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>resume_subscription</c>: Stripe has two kinds of pause. A paused collection (<c>pause_collection</c>) resumes by
/// clearing it, which bills nothing by itself. A subscription in status <c>paused</c> (a trial that ended without a payment
/// method) resumes through Stripe's resume endpoint, which starts a new billing period and invoices it at once: that charge
/// is held at Stripe's preview of it, collected in the same request (<c>resume_on_payment_success</c>), and counted at what
/// the invoice collected.
/// </summary>
public sealed class ResumeSubscriptionTool(StripeClients clients) : SubscriptionTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("resume_subscription", "Resume a paused subscription", ToolEffect.MovesMoney,
        "Resume a paused subscription. Moves money: resuming a subscription in status paused starts a new period that Stripe invoices and collects now, held at Stripe's preview. Constraints: maxAmount, approvalAbove.")
    {
        ManifestFields = ["maxAmount", "approvalAbove"],
        StripePermissions = ["subscriptions:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Subscription) : ISubscriptionArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("subscription"));

    private const string ByResume = "resume";
    private const string ByClearing = "clear_pause_collection";

    protected override string Action => "resume";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Resume a subscription: clears a paused payment collection (bills nothing by itself), or resumes a subscription in " +
        "status 'paused', which Stripe bills at once for a new period: that charge counts against this agent's budgets. " +
        "resumed_by says which was done.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["subscription"] = Id("The subscription to resume (sub_...)."),
        ["request_id"] = RequestId(),
    }, "subscription");

    public override JsonObject OutputSchema()
    {
        var properties = SubscriptionCharges.WithChargeFields(StripeSchemas.Subscription());
        properties["resumed_by"] = Prop("string", "clear_pause_collection, or resume (status 'paused': a new period, invoiced now)");
        return StripeSchemas.ObjectOf(WithCallFields(properties), "id", "status", "resumed_by", "amount_charged");
    }

    protected override async Task<Resolution> CheckAsync(ToolInvocation call, Subscription subscription, Resolution resolution, StripeClient stripe, CancellationToken ct)
    {
        var currency = Currency.Get(subscription.Currency);
        if (subscription.Status == "paused")
        {
            var preview = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
            {
                Customer = subscription.CustomerId,
                Subscription = subscription.Id,
                SubscriptionDetails = new InvoiceSubscriptionDetailsOptions { ResumeAt = "now" },
            }, cancellationToken: ct);
            return resolution with
            {
                Moves = new MoneyAmount(preview.AmountDue, currency),
                Prepared = new JsonObject { ["via"] = ByResume, ["latest_invoice"] = subscription.LatestInvoiceId },
            };
        }

        return subscription.PauseCollection is not null
            ? resolution with { Moves = new MoneyAmount(0, currency), Prepared = new JsonObject { ["via"] = ByClearing } }
            : Refuse(resolution, DenialCodes.NotAllowed, $"is '{subscription.Status}' and its payment collection is not paused: nothing to resume");
    }

    // Rows started before calls kept what they prepared cannot be sent again as the same request: evidence settles them.
    public override bool CanReplay(ToolInvocation call) => call.Prepared is not null;

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        // The way chosen when the call was resolved, also on a re-send: the same request, whatever the first attempt did.
        var prepared = call.Prepared ?? throw new InvalidOperationException($"{Name} ({keys.CallId}) has no prepared request");
        var via = SubscriptionCharges.Text(prepared, "via");
        Subscription answer;
        if (via == ByResume)
        {
            // The resume endpoint takes no metadata; the idempotency key makes a re-send the same request.
            answer = await stripe.V1.Subscriptions.ResumeAsync(args.Subscription, new SubscriptionResumeOptions
            {
                PaymentBehavior = "resume_on_payment_success",
                Expand = ["latest_invoice"],
            }, Idempotent(keys), ct);
        }
        else
        {
            // Stripe.net sends a property set explicitly to null as an empty value, which is how Stripe unsets it.
            answer = await stripe.V1.Subscriptions.UpdateAsync(args.Subscription, new SubscriptionUpdateOptions
            {
                PauseCollection = null,
                Metadata = Stamp(keys),
                Expand = ["latest_invoice"],
            }, Idempotent(keys), ct);
        }

        var created = via == ByResume ? SubscriptionCharges.CreatedBy(answer, SubscriptionCharges.Text(prepared, "latest_invoice")) : null;
        var collected = SubscriptionCharges.Collected(answer, created);
        var result = StripeJson.Subscription(answer);
        SubscriptionCharges.Describe(result, created, collected, null);
        result["resumed_by"] = via;
        return new ExecutionResult.Succeeded(result, collected, answer.Id, answer.StripeResponse?.RequestId);
    }

    protected override async Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        // Past Stripe's idempotency window: the subscription itself is the evidence (the resume endpoint stamps nothing).
        var subscription = await stripe.V1.Subscriptions.GetAsync(Args<Arguments>(call).Subscription, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: ct);
        if (SubscriptionCharges.Text(call.Prepared, "via") != ByResume)
        {
            return await BySubscriptionStampAsync(call, stripe, ct);
        }

        var created = SubscriptionCharges.CreatedBy(subscription, SubscriptionCharges.Text(call.Prepared, "latest_invoice"));
        return created is not null || subscription.Status != "paused"
            ? new Reconciliation.Happened(StripeJson.Subscription(subscription), SubscriptionCharges.Collected(subscription, created), subscription.Id)
            : new Reconciliation.DidNotHappen($"subscription {subscription.Id} is still paused and has no invoice since the call");
    }
}
