using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of the <c>list_*</c> tools that Stripe can filter by customer. Page size is capped by the grant's
/// <c>maxPageSize</c>. Under a customer scope <c>customer</c> is an enum of the role's customers: with one, Stripe itself
/// returns only that customer's records; without one, each customer of the scope is listed at Stripe and the lists are
/// merged, newest first (for up to <see cref="MaxCustomersAtOnce"/> customers). Nothing outside the scope is ever
/// fetched wholesale and hidden afterwards.
/// </summary>
public abstract class ListTool<T>(StripeClients clients) : StripeTool(clients)
    where T : IHasId
{
    /// <summary>Largest page when the manifest sets no <c>maxPageSize</c>; Stripe's own maximum.</summary>
    public const int DefaultPageCap = 100;

    /// <summary>Most customers a list of the whole scope asks Stripe about (one request each); larger scopes name one.</summary>
    public const int MaxCustomersAtOnce = 25;

    /// <summary>Plural noun for descriptions: "charges".</summary>
    protected abstract string Noun { get; }

    /// <summary>Whether Stripe requires a customer for this list (payment methods).</summary>
    protected virtual bool CustomerRequired => false;

    protected abstract JsonObject ItemSchema();

    protected abstract JsonObject ToJson(T item);

    /// <summary>The customer an item belongs to, for a last check that Stripe's filter held.</summary>
    protected abstract string? CustomerOf(T item);

    /// <summary>When Stripe created the item: the order of a merged list.</summary>
    protected abstract DateTime CreatedOf(T item);

    /// <summary>Reads one item by id (the cursor of a merged list).</summary>
    protected abstract Task<T> GetAsync(StripeClient stripe, string id, CancellationToken ct);

    /// <summary>Tool-specific filters besides customer, limit and cursor.</summary>
    protected virtual void AddFilters(JsonObject properties, RoleManifest role, ToolGrant grant)
    {
    }

    /// <summary>One list request to Stripe.</summary>
    protected sealed record ListQuery(string? Customer, long Limit, string? StartingAfter, DateTime? CreatedUpTo)
    {
        /// <summary>Stripe's <c>created[lte]</c>, for a merged list's next page.</summary>
        public AnyOf<DateTime?, DateRangeOptions>? Created =>
            CreatedUpTo is { } upTo ? new AnyOf<DateTime?, DateRangeOptions>(new DateRangeOptions { LessThanOrEqual = upTo }) : null;
    }

    protected abstract Task<StripeList<T>> ListAsync(StripeClient stripe, ToolInvocation call, ListQuery query, CancellationToken ct);

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        $"List {Noun}, newest first, at most {PageCap(grant)} per page (page with starting_after)." +
        (role.Customers is { } scope
            ? CustomerRequired || scope.Count > MaxCustomersAtOnce
                ? " Only this role's customers can be listed: pass one of them as customer."
                : $" Only this role's customers' {Noun} are listed: pass customer for one of them, or omit it for all {scope.Count}."
            : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant)
    {
        var properties = new JsonObject();
        var required = new List<string>();
        if (role.Customers is { } scope)
        {
            properties["customer"] = Enum(scope.Order(StringComparer.Ordinal), $"The customer whose {Noun} to list; this role may list only these.");
            if (CustomerRequired || scope.Count > MaxCustomersAtOnce)
            {
                required.Add("customer");
            }
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
        var customer = Args<IListArguments>(call).Customer;
        if (call.Role.Customers is { } scope && (customer is null ? CustomerRequired || scope.Count > MaxCustomersAtOnce : !scope.Contains(customer)))
        {
            return Task.FromResult(Resolution.Refused(new Denial(DenialCodes.NotAllowed,
                $"{Name}: role '{call.Role.Role}' may list only its customers' {Noun}; pass one of them as customer")));
        }

        return Task.FromResult(new Resolution { Scoped = false, Object = customer });
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<IListArguments>(call);
        var limit = args.Limit ?? Math.Min(10, PageCap(call.Grant));
        if (call.Role.Customers is { } scope && args.Customer is null)
        {
            return await ListScopeAsync(call, scope, limit, stripe, ct);
        }

        var page = await ListAsync(stripe, call, new ListQuery(args.Customer, limit, args.StartingAfter, null), ct);
        var items = page.Data.Where(item => call.Role.Customers is not { } inScope || (CustomerOf(item) is { } owner && inScope.Contains(owner)));
        return Page(items, page.HasMore, page.StripeResponse?.RequestId);
    }

    /// <summary>
    /// Every customer of the scope listed at Stripe and merged, newest first (ties by id). The cursor is the last item of
    /// the previous page: each customer is then listed up to that item's second, and what came before it is skipped.
    /// </summary>
    private async Task<ExecutionResult> ListScopeAsync(ToolInvocation call, IReadOnlySet<string> scope, long limit, StripeClient stripe, CancellationToken ct)
    {
        DateTime? upTo = null;
        var after = Args<IListArguments>(call).StartingAfter;
        if (after is not null)
        {
            var cursor = await GetAsync(stripe, after, ct);
            if (CustomerOf(cursor) is not { } owner || !scope.Contains(owner))
            {
                return new ExecutionResult.Failed(new Denial(DenialCodes.NotAllowed, $"{Name}: starting_after {after} is not one of this role's customers' {Noun}"), null);
            }

            upTo = CreatedOf(cursor);
        }

        // A few more than a page from each: items of the cursor's own second that came before it are skipped below.
        var fetch = Math.Min(DefaultPageCap, limit + 10);
        var items = new List<T>();
        var more = false;
        foreach (var customer in scope.Order(StringComparer.Ordinal))
        {
            var page = await ListAsync(stripe, call, new ListQuery(customer, fetch, null, upTo), ct);
            items.AddRange(page.Data.Where(item => CustomerOf(item) == customer));
            more |= page.HasMore;
        }

        var merged = items
            .Where(i => upTo is not { } at || CreatedOf(i) < at || (CreatedOf(i) == at && string.CompareOrdinal(i.Id, after) < 0))
            .OrderByDescending(CreatedOf).ThenByDescending(i => i.Id, StringComparer.Ordinal)
            .ToList();
        return Page(merged.Take((int)limit), more || merged.Count > limit, null);
    }

    private ExecutionResult.Succeeded Page(IEnumerable<T> items, bool hasMore, string? requestId) => new(new JsonObject
    {
        ["data"] = new JsonArray(items.Select(i => (JsonNode)ToJson(i)).ToArray()),
        ["has_more"] = hasMore,
    }, null, null, requestId);

    protected static int PageCap(ToolGrant grant) => grant.MaxPageSize ?? DefaultPageCap;
}
