using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>pay_invoice</c>: charges an open invoice's remaining amount now. Stripe always charges the whole remainder, so that
/// remainder is what is checked against maxAmount and held against budgets.
/// </summary>
public sealed class PayInvoiceTool(StripeClients clients) : InvoiceTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("pay_invoice", "Pay an open invoice", ToolEffect.MovesMoney,
        "Pay an open invoice. Moves money. Constraints: maxAmount, approvalAbove.")
    {
        ManifestFields = ["maxAmount", "approvalAbove"],
        StripePermissions = ["invoices:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Invoice, string? PaymentMethod) : IInvoiceArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("invoice"), arguments.Text("payment_method"));

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Attempt payment of an open invoice now, for its whole amount_remaining (there is no partial payment), with the " +
        "customer's default payment method or the given payment_method, which must belong to the invoice's customer. " +
        "The amount counts against this agent's budgets; a declined card is reported as a stripe_error." +
        (grant.MaxAmount is { } max ? $" Invoices with more than {max} remaining are refused." : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["invoice"] = Id("The open invoice to pay (in_...)."),
        ["payment_method"] = Id("A payment method of the invoice's customer to charge (pm_...); omit to use the customer's default."),
        ["request_id"] = RequestId(),
    }, "invoice");

    protected override string StatusAfter => "paid";

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(WithCallFields(StripeSchemas.Invoice()), "id", "status", "currency", "amount_paid");

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var (invoice, resolution) = await ResolveInvoiceAsync(call, stripe, "open", "invoice payment", ct);
        if (resolution.Denial is not null)
        {
            return resolution;
        }

        var currency = Currency.Get(invoice.Currency);
        if (invoice.AmountRemaining <= 0)
        {
            return resolution with { Denial = new Denial(DenialCodes.NotAllowed, $"{resolution.Describes} has nothing left to pay (paid {MoneyAmount.Format(invoice.AmountPaid, currency)})") };
        }

        // Stripe would refuse a foreign card too, but only after the POST; refusing here keeps the attempt out of Stripe.
        if (Args<Arguments>(call).PaymentMethod is { } paymentMethodId)
        {
            var paymentMethod = await stripe.V1.PaymentMethods.GetAsync(paymentMethodId, cancellationToken: ct);
            if (paymentMethod.CustomerId != invoice.CustomerId)
            {
                var owner = paymentMethod.CustomerId is { } other ? $"customer {other}" : "no customer";
                return resolution with
                {
                    Denial = new Denial(DenialCodes.NotAllowed,
                        $"payment method {paymentMethod.Id} belongs to {owner}, not to {resolution.Describes}'s customer {invoice.CustomerId}"),
                };
            }
        }

        return resolution with
        {
            Moves = new MoneyAmount(invoice.AmountRemaining, currency),
            Prepared = new JsonObject { ["paid_before"] = invoice.AmountPaid },
        };
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        // Paying takes no metadata; the audit row links the invoice to the call instead.
        var invoice = await stripe.V1.Invoices.PayAsync(args.Invoice, new InvoicePayOptions
        {
            PaymentMethod = args.PaymentMethod,
        }, Idempotent(keys), ct);

        // What the invoice showed paid before the call, kept with the call: a re-send reads Stripe's answer against it too.
        var paidBefore = Stripe.SubscriptionCharges.Number(call.Prepared, "paid_before") ?? 0;
        // Paid now or still being collected (a bank debit processing): the payment this call started counts either way.
        var moved = Math.Max(0, Stripe.SubscriptionCharges.Collecting(invoice, charging: true) - paidBefore);
        return new ExecutionResult.Succeeded(StripeJson.Invoice(invoice), new MoneyAmount(moved, Currency.Get(invoice.Currency)), invoice.Id, invoice.StripeResponse?.RequestId);
    }
}
