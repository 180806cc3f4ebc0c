using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of the tools that act on one invoice: each reads it first, so its customer decides the scope check and a call
/// on an invoice in the wrong status is refused before anything is sent to Stripe.
/// </summary>
public abstract class InvoiceTool(StripeClients clients) : StripeTool(clients)
{
    /// <summary>The status the invoice has once this tool's call landed; how a call of unknown outcome is reconciled.</summary>
    protected abstract string StatusAfter { get; }

    protected override async Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        // Invoice actions take no metadata: the invoice's status is the evidence, and the hold is settled as held.
        var invoice = await stripe.V1.Invoices.GetAsync(Args<IInvoiceArguments>(call).Invoice, cancellationToken: ct);
        return invoice.Status == StatusAfter
            ? new Reconciliation.Happened(StripeJson.Invoice(invoice), null, invoice.Id)
            : new Reconciliation.DidNotHappen($"invoice {invoice.Id} is '{invoice.Status}', not '{StatusAfter}'");
    }

    /// <summary>Fetches the <c>invoice</c> argument and refuses unless it is in <paramref name="status"/>.</summary>
    protected async Task<(Invoice Invoice, Resolution Resolution)> ResolveInvoiceAsync(
        ToolInvocation call, StripeClient stripe, string status, string action, CancellationToken ct)
    {
        var invoice = await stripe.V1.Invoices.GetAsync(Args<IInvoiceArguments>(call).Invoice, cancellationToken: ct);
        var describes = $"invoice {invoice.Id}";
        var resolution = new Resolution { Object = invoice.Id, Describes = describes, Scoped = true, Customer = invoice.CustomerId, Action = action };
        if (invoice.Status != status)
        {
            resolution = resolution with
            {
                Denial = new Denial(DenialCodes.NotAllowed, $"{describes} is '{invoice.Status}'; {Name} acts only on '{status}' invoices"),
            };
        }

        return (invoice, resolution);
    }
}
