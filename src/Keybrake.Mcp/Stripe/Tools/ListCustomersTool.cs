using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>list_customers</c>. Under a customer scope the role's customers are the whole list: each is read by id, so the
/// rest of the account is never fetched at all.
/// </summary>
public sealed class ListCustomersTool(StripeClients clients) : StripeTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("list_customers", "List customers", ToolEffect.Read,
        "List customers; under a record scope only those in scope (read-only). Constraints: maxPageSize.")
    {
        ManifestFields = ["maxPageSize"],
        StripePermissions = ["customers:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string? Email, long? Limit, string? StartingAfter) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Text("email"), arguments.Whole("limit"), arguments.Text("starting_after"));

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        role.Customers is not null
            ? $"List the customers this role may act on ({role.Customers.Count}), at most {Cap(grant)} per page."
            : $"List customers, newest first, at most {Cap(grant)} per page; filter by exact email.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant)
    {
        var properties = new JsonObject();
        if (role.Customers is null)
        {
            properties["email"] = String("Only customers with exactly this email.", 512);
        }

        properties["limit"] = Integer($"How many customers to return (default {Math.Min(10, Cap(grant))}).", 1, Cap(grant));
        properties["starting_after"] = Id("Cursor: the last id of the previous page.");
        return Object(properties);
    }

    public override JsonObject OutputSchema() => StripeSchemas.PageOf(StripeSchemas.Customer());

    protected override Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        Task.FromResult(new Resolution { Scoped = false });

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var limit = (int)(args.Limit ?? Math.Min(10, Cap(call.Grant)));
        var after = args.StartingAfter;
        if (call.Role.Customers is { } scope)
        {
            var ids = scope.Order(StringComparer.Ordinal).Where(id => after is null || string.CompareOrdinal(id, after) > 0).ToList();
            var page = new List<JsonNode>();
            foreach (var id in ids.Take(limit))
            {
                page.Add(StripeJson.Customer(await stripe.V1.Customers.GetAsync(id, cancellationToken: ct)));
            }

            return Page(page, ids.Count > limit);
        }

        var list = await stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = args.Email, Limit = limit, StartingAfter = after }, cancellationToken: ct);
        return Page(list.Data.Select(c => (JsonNode)StripeJson.Customer(c)).ToList(), list.HasMore);
    }

    private static ExecutionResult Page(List<JsonNode> data, bool hasMore) =>
        new ExecutionResult.Succeeded(new JsonObject { ["data"] = new JsonArray([.. data]), ["has_more"] = hasMore }, null, null, null);

    private static int Cap(ToolGrant grant) => grant.MaxPageSize ?? ListTool<Customer>.DefaultPageCap;
}
