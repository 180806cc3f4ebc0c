using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>list_invoices</c>, filtered by customer, status and subscription at Stripe.</summary>
public sealed class ListInvoicesTool(StripeClients clients) : ListTool<Invoice>(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("list_invoices", "List invoices", ToolEffect.Read,
        "List invoices (read-only). Constraints: maxPageSize.")
    {
        ManifestFields = ["maxPageSize"],
        StripePermissions = ["invoices:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string? Customer, long? Limit, string? StartingAfter, string? Status, string? Subscription) : IListArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Text("customer"), arguments.Whole("limit"), arguments.Text("starting_after"), arguments.Text("status"), arguments.Text("subscription"));

    protected override string Noun => "invoices";

    protected override JsonObject ItemSchema() => StripeSchemas.Invoice();

    protected override JsonObject ToJson(Invoice item) => StripeJson.Invoice(item);

    protected override string? CustomerOf(Invoice item) => item.CustomerId;

    protected override DateTime CreatedOf(Invoice item) => item.Created;

    protected override Task<Invoice> GetAsync(StripeClient stripe, string id, CancellationToken ct) => stripe.V1.Invoices.GetAsync(id, cancellationToken: ct);

    protected override void AddFilters(JsonObject properties, RoleManifest role, ToolGrant grant)
    {
        properties["status"] = ToolSchemas.Enum(["draft", "open", "paid", "uncollectible", "void"], "Only invoices in this status.");
        properties["subscription"] = ToolSchemas.Id("Only invoices of this subscription (sub_...).");
    }

    protected override Task<StripeList<Invoice>> ListAsync(StripeClient stripe, ToolInvocation call, ListQuery query, CancellationToken ct) =>
        stripe.V1.Invoices.ListAsync(new InvoiceListOptions
        {
            Customer = query.Customer, Status = Args<Arguments>(call).Status, Subscription = Args<Arguments>(call).Subscription, Limit = query.Limit,
            StartingAfter = query.StartingAfter, Created = query.Created,
        }, cancellationToken: ct);
}
