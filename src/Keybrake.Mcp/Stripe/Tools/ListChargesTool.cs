using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>list_charges</c>, filtered by customer (and payment intent) at Stripe.</summary>
public sealed class ListChargesTool(StripeClients clients) : ListTool<Charge>(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("list_charges", "List charges", ToolEffect.Read,
        "List charges (read-only). Constraints: maxPageSize.")
    {
        ManifestFields = ["maxPageSize"],
        StripePermissions = ["charges:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string? Customer, long? Limit, string? StartingAfter, string? PaymentIntent) : IListArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Text("customer"), arguments.Whole("limit"), arguments.Text("starting_after"), arguments.Text("payment_intent"));

    protected override string Noun => "charges";

    protected override JsonObject ItemSchema() => StripeSchemas.Charge();

    protected override JsonObject ToJson(Charge item) => StripeJson.Charge(item);

    protected override string? CustomerOf(Charge item) => item.CustomerId;

    protected override DateTime CreatedOf(Charge item) => item.Created;

    protected override Task<Charge> GetAsync(StripeClient stripe, string id, CancellationToken ct) => stripe.V1.Charges.GetAsync(id, cancellationToken: ct);

    protected override void AddFilters(JsonObject properties, RoleManifest role, ToolGrant grant) =>
        properties["payment_intent"] = ToolSchemas.Id("Only charges of this PaymentIntent (pi_...).");

    protected override Task<StripeList<Charge>> ListAsync(StripeClient stripe, ToolInvocation call, ListQuery query, CancellationToken ct) =>
        stripe.V1.Charges.ListAsync(new ChargeListOptions
        {
            Customer = query.Customer, PaymentIntent = Args<Arguments>(call).PaymentIntent, Limit = query.Limit, StartingAfter = query.StartingAfter, Created = query.Created,
        }, cancellationToken: ct);
}
