using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>preview_plan_change</c>: what <c>change_plan</c> would bill, from Stripe's invoice preview. A preview creates
/// nothing, so it is a read: no budget is held and no request dedup applies.
/// </summary>
public sealed class PreviewPlanChangeTool(StripeClients clients) : SubscriptionTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("preview_plan_change", "Preview a plan change", ToolEffect.Read,
        "Preview the invoice of a plan change (read-only). Constraints: prices, maxQuantity (the quantity argument exists only with it).")
    {
        ManifestFields = ["prices", "maxQuantity"],
        StripePermissions = ["subscriptions:read", "invoices:read", "prices:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Subscription, string Price, long? Quantity) : ISubscriptionArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Id("subscription"), arguments.Id("price"), arguments.Whole("quantity"));

    protected override string Action => "plan change preview";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Preview the invoice a switch of a single-item subscription to another price would produce, with prorations, " +
        "without changing anything. proration_amount is what the change itself bills.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant)
    {
        var properties = new JsonObject
        {
            ["subscription"] = Id("The subscription to preview a change of (sub_...)."),
            ["price"] = grant.Prices is { } prices
                ? Enum(prices, "The price to switch to; only these are allowed for this role.")
                : Id("The price to switch to (price_..., or a legacy plan id)."),
        };
        if (grant.MaxQuantity is { } max)
        {
            properties["quantity"] = Integer("Quantity after the change; omit to keep it.", 1, max);
        }

        return Object(properties, "subscription", "price");
    }

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(new JsonObject
    {
        ["subscription"] = Prop("string"),
        ["price"] = Prop("string"),
        ["quantity"] = Prop("integer"),
        ["currency"] = Prop("string"),
        ["amount_due"] = Prop("integer", "minor units due on the previewed invoice"),
        ["total"] = Prop("integer", "minor units"),
        ["proration_amount"] = Prop("integer", "sum of the proration lines: what the change itself bills (negative is a credit)"),
        ["lines"] = new JsonObject
        {
            ["type"] = "array",
            ["items"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["description"] = Nullable("string"),
                    ["amount"] = Prop("integer", "minor units"),
                    ["quantity"] = Nullable("integer"),
                    ["proration"] = Prop("boolean"),
                },
            },
        },
    }, "subscription", "price", "currency", "amount_due", "total", "proration_amount");

    protected override Resolution Check(ToolInvocation call, Subscription subscription, Resolution resolution)
    {
        if (subscription.Items.Data.Count != 1)
        {
            return Refuse(resolution, DenialCodes.NotAllowed, $"has {subscription.Items.Data.Count} items; plan changes apply to single-item subscriptions only");
        }

        return subscription.Status is "canceled" or "incomplete_expired"
            ? Refuse(resolution, DenialCodes.NotAllowed, $"is '{subscription.Status}' and cannot change plan")
            : resolution;
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var subscription = await CurrentAsync(call, resolved, stripe, ct);
        var item = subscription.Items.Data[0];
        var price = args.Price;
        var quantity = args.Quantity ?? item.Quantity;
        var invoice = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Customer = subscription.CustomerId,
            Subscription = subscription.Id,
            SubscriptionDetails = new InvoiceSubscriptionDetailsOptions
            {
                Items = [new InvoiceSubscriptionDetailsItemOptions { Id = item.Id, Price = price, Quantity = quantity }],
                ProrationBehavior = "create_prorations",
            },
        }, cancellationToken: ct);

        var lines = invoice.Lines?.Data ?? [];
        var result = new JsonObject
        {
            ["subscription"] = subscription.Id,
            ["price"] = price,
            ["quantity"] = quantity,
            ["currency"] = invoice.Currency,
            ["amount_due"] = invoice.AmountDue,
            ["total"] = invoice.Total,
            ["proration_amount"] = lines.Where(IsProration).Sum(l => l.Amount),
            ["lines"] = new JsonArray(lines.Select(l => (JsonNode)new JsonObject
            {
                ["description"] = l.Description,
                ["amount"] = l.Amount,
                ["quantity"] = l.Quantity,
                ["proration"] = IsProration(l),
            }).ToArray()),
        };
        return new ExecutionResult.Succeeded(result, null, subscription.Id, invoice.StripeResponse?.RequestId);
    }

    private static bool IsProration(InvoiceLineItem line) =>
        line.Parent?.SubscriptionItemDetails?.Proration == true || line.Parent?.InvoiceItemDetails?.Proration == true;
}
