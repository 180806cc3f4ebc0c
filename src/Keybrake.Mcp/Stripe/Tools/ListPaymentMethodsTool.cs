using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>list_payment_methods</c>: a customer's saved payment methods (Stripe requires the customer).</summary>
public sealed class ListPaymentMethodsTool(StripeClients clients) : ListTool<PaymentMethod>(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("list_payment_methods", "List a customer's payment methods", ToolEffect.Read,
        "List a customer's payment methods (read-only). Constraints: maxPageSize.")
    {
        ManifestFields = ["maxPageSize"],
        StripePermissions = ["payment_methods:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string? Customer, long? Limit, string? StartingAfter, string? Type) : IListArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Text("customer"), arguments.Whole("limit"), arguments.Text("starting_after"), arguments.Text("type"));

    protected override string Noun => "payment methods";

    protected override bool CustomerRequired => true;

    protected override JsonObject ItemSchema() => StripeSchemas.PaymentMethod();

    protected override JsonObject ToJson(PaymentMethod item) => StripeJson.PaymentMethod(item);

    protected override string? CustomerOf(PaymentMethod item) => item.CustomerId;

    protected override DateTime CreatedOf(PaymentMethod item) => item.Created;

    protected override Task<PaymentMethod> GetAsync(StripeClient stripe, string id, CancellationToken ct) => stripe.V1.PaymentMethods.GetAsync(id, cancellationToken: ct);

    protected override void AddFilters(JsonObject properties, RoleManifest role, ToolGrant grant) =>
        properties["type"] = ToolSchemas.Enum(["card", "us_bank_account", "sepa_debit", "link"], "Only payment methods of this type.");

    protected override Task<StripeList<PaymentMethod>> ListAsync(StripeClient stripe, ToolInvocation call, ListQuery query, CancellationToken ct) =>
        stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = query.Customer, Type = Args<Arguments>(call).Type, Limit = query.Limit, StartingAfter = query.StartingAfter }, cancellationToken: ct);
}
