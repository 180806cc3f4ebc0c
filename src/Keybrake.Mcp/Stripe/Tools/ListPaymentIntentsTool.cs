using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>list_payment_intents</c>, filtered by customer at Stripe.</summary>
public sealed class ListPaymentIntentsTool(StripeClients clients) : ListTool<PaymentIntent>(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("list_payment_intents", "List payment intents", ToolEffect.Read,
        "List payment intents (read-only). Constraints: maxPageSize.")
    {
        ManifestFields = ["maxPageSize"],
        StripePermissions = ["payment_intents:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string? Customer, long? Limit, string? StartingAfter) : IListArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Text("customer"), arguments.Whole("limit"), arguments.Text("starting_after"));

    protected override string Noun => "payment intents";

    protected override JsonObject ItemSchema() => StripeSchemas.PaymentIntent();

    protected override JsonObject ToJson(PaymentIntent item) => StripeJson.PaymentIntent(item);

    protected override string? CustomerOf(PaymentIntent item) => item.CustomerId;

    protected override DateTime CreatedOf(PaymentIntent item) => item.Created;

    protected override Task<PaymentIntent> GetAsync(StripeClient stripe, string id, CancellationToken ct) => stripe.V1.PaymentIntents.GetAsync(id, cancellationToken: ct);

    protected override Task<StripeList<PaymentIntent>> ListAsync(StripeClient stripe, ToolInvocation call, ListQuery query, CancellationToken ct) =>
        stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = query.Customer, Limit = query.Limit, StartingAfter = query.StartingAfter, Created = query.Created }, cancellationToken: ct);
}
