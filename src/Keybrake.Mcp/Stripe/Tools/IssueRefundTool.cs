using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>issue_refund</c>: refunds a payment intent or charge, capped by the role's maxAmount, reasons and budgets.</summary>
public sealed class IssueRefundTool(StripeClients clients) : StripeTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("issue_refund", "Issue a refund", ToolEffect.MovesMoney,
        "Refund a payment intent or charge, fully or in part. Moves money. Constraints: maxAmount, reasons, approvalAbove.")
    {
        ManifestFields = ["maxAmount", "reasons", "approvalAbove"],
        StripePermissions = ["refunds:write", "payment_intents:read", "charges:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string? PaymentIntent, string? Charge, long? Amount, string? Reason, string? Ticket) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Text("payment_intent"), arguments.Text("charge"), arguments.Whole("amount"), arguments.Text("reason"), arguments.Text("ticket"));

    // A full refund moves at least one minor unit (with nothing left to refund it is refused anyway).
    public override long? LeastMoved(ToolInvocation call) => Args<Arguments>(call).Amount ?? 1;

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Refund a payment, fully (omit amount: everything still refundable) or partly (amount in minor units). " +
        "Pass exactly one of payment_intent or charge. The refund counts against this agent's budgets; " +
        "a refund may be 'pending' and is then requested, not done." +
        (grant.MaxAmount is { } max ? $" At most {max} per call." : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["payment_intent"] = Id("The PaymentIntent to refund (pi_...); pass this or charge, not both."),
        ["charge"] = Id("The charge to refund (ch_...), instead of payment_intent."),
        ["amount"] = Amount("Amount to refund in the currency's minor units (e.g. 1050 = 10.50 USD). Omit to refund all that is refundable.", grant.MaxAmount),
        ["reason"] = Enum(grant.Reasons?.AsEnumerable() ?? ToolCatalog.RefundReasons, "Why the refund is issued."),
        ["ticket"] = String("Support ticket or case reference, stored on the refund's metadata.", 128),
        ["request_id"] = RequestId(),
    });

    public override IReadOnlyList<string[]> ExactlyOneOf(RoleManifest role) => [["payment_intent", "charge"]];

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(WithCallFields(StripeSchemas.Refund()), "id", "amount", "currency", "status");

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        Charge? charge;
        string describes;
        if (args.PaymentIntent is { } paymentIntentId)
        {
            var intent = await stripe.V1.PaymentIntents.GetAsync(paymentIntentId, cancellationToken: ct);
            describes = $"payment intent {intent.Id}";
            if (intent.Status != "succeeded" || intent.LatestChargeId is null)
            {
                return Resolution.Refused(new Denial(DenialCodes.NotAllowed,
                    $"{describes} is '{intent.Status}', so there is nothing to refund (only succeeded payments can be refunded)"))
                    with { Customer = intent.CustomerId };
            }

            charge = await stripe.V1.Charges.GetAsync(intent.LatestChargeId, cancellationToken: ct);
        }
        else
        {
            charge = await stripe.V1.Charges.GetAsync(args.Charge!, cancellationToken: ct);
            describes = $"charge {charge.Id}";
        }

        var currency = Currency.Get(charge.Currency);
        // After a partial capture Stripe counts the uncaptured rest as refunded, so this is the true remainder.
        var refundable = Math.Max(0, charge.Amount - charge.AmountRefunded);
        var requested = args.Amount;
        var resolution = new Resolution
        {
            Object = charge.PaymentIntentId ?? charge.Id,
            Describes = describes,
            Scoped = true,
            Customer = charge.CustomerId,
            Action = requested is null ? "full refund" : "refund",
        };
        if (refundable == 0)
        {
            return resolution with { Denial = new Denial(DenialCodes.NotAllowed, $"{describes} has nothing left to refund (already refunded {MoneyAmount.Format(charge.AmountRefunded, currency)})") };
        }

        if (requested > refundable)
        {
            return resolution with
            {
                Denial = new Denial(DenialCodes.InvalidArguments,
                    $"refund of {MoneyAmount.Format(requested.Value, currency)} is more than the {MoneyAmount.Format(refundable, currency)} still refundable on {describes}"),
            };
        }

        return resolution with { Moves = new MoneyAmount(requested ?? refundable, currency) };
    }

    protected override async Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        // Refunds carry keybrake_call: among the payment's refunds, ours is the one stamped with this call.
        var refunds = await stripe.V1.Refunds.ListAsync(new RefundListOptions
        {
            PaymentIntent = args.PaymentIntent, Charge = args.Charge, Limit = 100,
        }, cancellationToken: ct);
        var ours = refunds.Data.FirstOrDefault(r => r.Metadata?.GetValueOrDefault("keybrake_call") == call.CallId);
        return ours is null
            ? new Reconciliation.DidNotHappen($"no refund of {args.PaymentIntent ?? args.Charge} carries call {call.CallId}")
            : new Reconciliation.Happened(StripeJson.Refund(ours), new MoneyAmount(ours.Status is "failed" or "canceled" ? 0 : ours.Amount, Currency.Get(ours.Currency)), ours.Id);
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var metadata = Stamp(keys);
        if (args.Ticket is { } ticket)
        {
            metadata["keybrake_ticket"] = ticket;
        }

        // The agent's arguments go to Stripe as given (no amount = the remainder at Stripe), so a re-send with the same
        // idempotency key carries the same parameters; the hold already covers the largest amount it can move.
        var refund = await stripe.V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = args.PaymentIntent,
            Charge = args.Charge,
            Amount = args.Amount,
            Reason = args.Reason,
            Metadata = metadata,
        }, Idempotent(keys), ct);

        var moved = refund.Status is "failed" or "canceled" ? 0 : refund.Amount;
        return new ExecutionResult.Succeeded(StripeJson.Refund(refund), new MoneyAmount(moved, Currency.Get(refund.Currency)), refund.Id, refund.StripeResponse?.RequestId);
    }
}
