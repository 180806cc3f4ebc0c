using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of the tools that act on one invoice: each reads it first, so its customer decides the scope check and a call
/// on an invoice in the wrong status is refused before anything is sent to Stripe.
/// </summary>
public abstract class InvoiceTool(StripeClients clients) : StripeTool(clients)
{
    /// <summary>Fetches the <c>invoice</c> argument and refuses unless it is in <paramref name="status"/>.</summary>
    protected async Task<(Invoice Invoice, Resolution Resolution)> ResolveInvoiceAsync(
        ToolInvocation call, StripeClient stripe, string status, string action, CancellationToken ct)
    {
        var invoice = await stripe.V1.Invoices.GetAsync(Arg(call, "invoice")!, cancellationToken: ct);
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
