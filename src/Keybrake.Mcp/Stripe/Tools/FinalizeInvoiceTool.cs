using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>finalize_invoice</c>: turns a draft invoice into an open one, without starting automatic collection.</summary>
public sealed class FinalizeInvoiceTool(StripeClients clients) : InvoiceTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("finalize_invoice", "Finalize a draft invoice", ToolEffect.Change,
        "Finalize a draft invoice. No constraints besides shadow; write {}.")
    {
        StripePermissions = ["invoices:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Invoice) : IInvoiceArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("invoice"));

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Finalize a draft invoice: it becomes 'open' with a number and can no longer be edited. No money moves: " +
        "automatic collection stays off (auto_advance=false), so collect it with pay_invoice if this role has it.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["invoice"] = Id("The draft invoice to finalize (in_...)."),
        ["request_id"] = RequestId(),
    }, "invoice");

    protected override string StatusAfter => "open";

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(WithCallFields(StripeSchemas.Invoice()), "id", "status", "currency", "amount_remaining");

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        (await ResolveInvoiceAsync(call, stripe, "draft", "finalization", ct)).Resolution;

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        // With auto_advance Stripe would charge the customer about an hour later, outside any budget of ours.
        var invoice = await stripe.V1.Invoices.FinalizeInvoiceAsync(Args<Arguments>(call).Invoice, new InvoiceFinalizeOptions { AutoAdvance = false }, Idempotent(keys), ct);
        return new ExecutionResult.Succeeded(StripeJson.Invoice(invoice), null, invoice.Id, invoice.StripeResponse?.RequestId);
    }
}
