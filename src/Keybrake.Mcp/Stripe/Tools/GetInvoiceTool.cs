using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>get_invoice</c>.</summary>
public sealed class GetInvoiceTool(StripeClients clients) : ReadTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("get_invoice", "Get an invoice", ToolEffect.Read,
        "Read an invoice (read-only). No constraints besides shadow; write {}.")
    {
        StripePermissions = ["invoices:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Invoice) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("invoice"));

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Read an invoice: status (draft, open, paid, uncollectible, void), customer, subscription, amounts due, paid and remaining " +
        "(minor units), due date and payment attempts.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) =>
        ToolSchemas.Object(new JsonObject { ["invoice"] = ToolSchemas.Id("The invoice id (in_...).") }, "invoice");

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(StripeSchemas.Invoice(), "id", "status", "currency", "amount_remaining");

    protected override async Task<(JsonObject, string, string?, string)> FetchAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var invoice = await stripe.V1.Invoices.GetAsync(Args<Arguments>(call).Invoice, cancellationToken: ct);
        return (StripeJson.Invoice(invoice), invoice.Id, invoice.CustomerId, $"invoice {invoice.Id}");
    }
}
