using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>capture_payment_intent</c>: captures an authorized PaymentIntent. There is deliberately no tool that creates one.</summary>
public sealed class CapturePaymentIntentTool(StripeClients clients) : StripeTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("capture_payment_intent", "Capture an authorized payment", ToolEffect.MovesMoney,
        "Capture an authorized payment intent. Moves money. Constraints: maxAmount, approvalAbove.")
    {
        ManifestFields = ["maxAmount", "approvalAbove"],
        StripePermissions = ["payment_intents:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string PaymentIntent, long? AmountToCapture) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Id("payment_intent"), arguments.Whole("amount_to_capture"));

    // A full capture moves at least one minor unit (with nothing capturable it is refused anyway).
    public override long? LeastMoved(ToolInvocation call) => Args<Arguments>(call).AmountToCapture ?? 1;

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Capture a PaymentIntent in status requires_capture, fully (omit amount_to_capture) or partly; the uncaptured rest is released. " +
        "Counts against this agent's budgets." + (grant.MaxAmount is { } max ? $" At most {max} per call." : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["payment_intent"] = Id("The PaymentIntent to capture (pi_...), in status requires_capture."),
        ["amount_to_capture"] = Amount("Amount to capture in minor units. Omit to capture the full authorized amount.", grant.MaxAmount),
        ["request_id"] = RequestId(),
    }, "payment_intent");

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(WithCallFields(StripeSchemas.PaymentIntent()), "id", "status", "amount_received", "currency");

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var intent = await stripe.V1.PaymentIntents.GetAsync(args.PaymentIntent, cancellationToken: ct);
        var describes = $"payment intent {intent.Id}";
        var resolution = new Resolution { Object = intent.Id, Describes = describes, Scoped = true, Customer = intent.CustomerId, Action = "capture" };
        if (intent.Status != "requires_capture")
        {
            return resolution with { Denial = new Denial(DenialCodes.NotAllowed, $"{describes} is '{intent.Status}'; only a payment intent in 'requires_capture' can be captured") };
        }

        var currency = Currency.Get(intent.Currency);
        var requested = args.AmountToCapture;
        if (requested > intent.AmountCapturable)
        {
            return resolution with
            {
                Denial = new Denial(DenialCodes.InvalidArguments,
                    $"capture of {MoneyAmount.Format(requested.Value, currency)} is more than the {MoneyAmount.Format(intent.AmountCapturable, currency)} authorized on {describes}"),
            };
        }

        return resolution with { Moves = new MoneyAmount(requested ?? intent.AmountCapturable, currency) };
    }

    protected override async Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var intent = await stripe.V1.PaymentIntents.GetAsync(Args<Arguments>(call).PaymentIntent, cancellationToken: ct);
        return intent.Metadata?.GetValueOrDefault("keybrake_call") == call.CallId
            ? new Reconciliation.Happened(StripeJson.PaymentIntent(intent), new MoneyAmount(intent.AmountReceived, Currency.Get(intent.Currency)), intent.Id)
            : new Reconciliation.DidNotHappen($"payment intent {intent.Id} is '{intent.Status}' and does not carry call {call.CallId}");
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var intent = await stripe.V1.PaymentIntents.CaptureAsync(args.PaymentIntent, new PaymentIntentCaptureOptions
        {
            AmountToCapture = args.AmountToCapture,
            Metadata = Stamp(keys),
        }, Idempotent(keys), ct);
        return new ExecutionResult.Succeeded(StripeJson.PaymentIntent(intent), new MoneyAmount(intent.AmountReceived, Currency.Get(intent.Currency)), intent.Id, intent.StripeResponse?.RequestId);
    }
}
