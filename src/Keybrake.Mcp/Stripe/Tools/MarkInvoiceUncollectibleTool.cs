using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>mark_invoice_uncollectible</c>: writes off an open invoice as bad debt.</summary>
public sealed class MarkInvoiceUncollectibleTool(StripeClients clients) : InvoiceTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("mark_invoice_uncollectible", "Mark an invoice uncollectible", ToolEffect.Change,
        "Mark an invoice uncollectible. No constraints besides shadow; write {}.")
    {
        StripePermissions = ["invoices:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Invoice) : IInvoiceArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("invoice"));

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Mark an open invoice as uncollectible (bad debt): Stripe stops trying to collect it. No money moves. " +
        "Only 'open' invoices qualify.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["invoice"] = Id("The open invoice to write off (in_...)."),
        ["request_id"] = RequestId(),
    }, "invoice");

    protected override string StatusAfter => "uncollectible";

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(WithCallFields(StripeSchemas.Invoice()), "id", "status", "currency", "amount_remaining");

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        (await ResolveInvoiceAsync(call, stripe, "open", "write-off", ct)).Resolution;

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var invoice = await stripe.V1.Invoices.MarkUncollectibleAsync(Args<Arguments>(call).Invoice, new InvoiceMarkUncollectibleOptions(), Idempotent(keys), ct);
        return new ExecutionResult.Succeeded(StripeJson.Invoice(invoice), null, invoice.Id, invoice.StripeResponse?.RequestId);
    }
}
