using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of the <c>list_*</c> tools that Stripe can filter by customer. Under a customer scope the schema's
/// <c>customer</c> becomes a required enum of the role's customers, so Stripe itself returns only in-scope records;
/// nothing is fetched wholesale and hidden afterwards. Page size is capped by the grant's <c>maxPageSize</c>.
/// </summary>
public abstract class ListTool<T>(StripeClients clients) : StripeTool(clients)
    where T : IHasId
{
    /// <summary>Largest page when the manifest sets no <c>maxPageSize</c>; Stripe's own maximum.</summary>
    public const int DefaultPageCap = 100;

    public override ToolEffect Effect => ToolEffect.Read;

    /// <summary>Plural noun for descriptions: "charges".</summary>
    protected abstract string Noun { get; }

    /// <summary>Whether Stripe requires a customer for this list (payment methods).</summary>
    protected virtual bool CustomerRequired => false;

    protected abstract JsonObject ItemSchema();

    protected abstract JsonObject ToJson(T item);

    /// <summary>The customer an item belongs to, for a last check that Stripe's filter held.</summary>
    protected abstract string? CustomerOf(T item);

    /// <summary>Tool-specific filters besides customer, limit and cursor.</summary>
    protected virtual void AddFilters(JsonObject properties, RoleManifest role, ToolGrant grant)
    {
    }

    protected abstract Task<StripeList<T>> ListAsync(StripeClient stripe, ToolInvocation call, string? customer, long limit, string? startingAfter, CancellationToken ct);

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        $"List {Noun}, newest first, at most {PageCap(grant)} per page (page with starting_after)." +
        (role.Customers is not null ? " Only this role's customers can be listed: pass one of them as customer." : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant)
    {
        var properties = new JsonObject();
        var required = new List<string>();
        if (role.Customers is { } scope)
        {
            properties["customer"] = Enum(scope.Order(StringComparer.Ordinal), $"The customer whose {Noun} to list; this role may list only these.");
            required.Add("customer");
        }
        else
        {
            properties["customer"] = Id($"Only {Noun} of this customer (cus_...).");
            if (CustomerRequired)
            {
                required.Add("customer");
            }
        }

        AddFilters(properties, role, grant);
        properties["limit"] = Integer($"How many {Noun} to return (default {Math.Min(10, PageCap(grant))}).", 1, PageCap(grant));
        properties["starting_after"] = Id("Cursor: the last id of the previous page.");
        return Object(properties, [.. required]);
    }

    public override JsonObject OutputSchema() => StripeSchemas.PageOf(ItemSchema());

    protected override Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        // The schema already confines customer to the scope; checked again so a schema bug cannot widen it.
        var customer = Arg(call, "customer");
        if (call.Role.Customers is { } scope && (customer is null || !scope.Contains(customer)))
        {
            return Task.FromResult(Resolution.Refused(new Denial(DenialCodes.NotAllowed,
                $"{Name}: role '{call.Role.Role}' may list only its customers' {Noun}; pass one of them as customer")));
        }

        return Task.FromResult(new Resolution { Scoped = false, Object = customer });
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution? resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var limit = ArgLong(call, "limit") ?? Math.Min(10, PageCap(call.Grant));
        var page = await ListAsync(stripe, call, Arg(call, "customer"), limit, Arg(call, "starting_after"), ct);
        var items = page.Data.Where(item => call.Role.Customers is not { } scope || (CustomerOf(item) is { } owner && scope.Contains(owner)));
        return new ExecutionResult.Succeeded(new JsonObject
        {
            ["data"] = new JsonArray(items.Select(i => (JsonNode)ToJson(i)).ToArray()),
            ["has_more"] = page.HasMore,
        }, null, null, page.StripeResponse?.RequestId);
    }

    protected static int PageCap(ToolGrant grant) => grant.MaxPageSize ?? DefaultPageCap;
}
