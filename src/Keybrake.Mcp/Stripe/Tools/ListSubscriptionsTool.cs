using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>list_subscriptions</c>, filtered by customer, price and status at Stripe.</summary>
public sealed class ListSubscriptionsTool(StripeClients clients) : ListTool<Subscription>(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("list_subscriptions", "List subscriptions", ToolEffect.Read,
        "List subscriptions (read-only). Constraints: maxPageSize.")
    {
        ManifestFields = ["maxPageSize"],
        StripePermissions = ["subscriptions:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string? Customer, long? Limit, string? StartingAfter, string? Price, string? Status) : IListArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Text("customer"), arguments.Whole("limit"), arguments.Text("starting_after"), arguments.Text("price"), arguments.Text("status"));

    private static readonly string[] Statuses = ["active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid"];

    protected override string Noun => "subscriptions";

    protected override JsonObject ItemSchema() => StripeSchemas.Subscription();

    protected override JsonObject ToJson(Subscription item) => StripeJson.Subscription(item);

    protected override string? CustomerOf(Subscription item) => item.CustomerId;

    protected override DateTime CreatedOf(Subscription item) => item.Created;

    protected override Task<Subscription> GetAsync(StripeClient stripe, string id, CancellationToken ct) => stripe.V1.Subscriptions.GetAsync(id, cancellationToken: ct);

    protected override void AddFilters(JsonObject properties, RoleManifest role, ToolGrant grant)
    {
        properties["price"] = ToolSchemas.Id("Only subscriptions with this price (price_...).");
        properties["status"] = ToolSchemas.Enum(Statuses, "Only subscriptions in this status (Stripe's default excludes canceled).");
    }

    protected override Task<StripeList<Subscription>> ListAsync(StripeClient stripe, ToolInvocation call, ListQuery query, CancellationToken ct) =>
        stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions
        {
            Customer = query.Customer, Price = Args<Arguments>(call).Price, Status = Args<Arguments>(call).Status, Limit = query.Limit, StartingAfter = query.StartingAfter,
            Created = query.Created,
        }, cancellationToken: ct);
}
