using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>list_prices</c>: active prices; with a price allowlist (its own <c>prices</c>, else the role's plan tools'), only
/// those prices, so the agent sees only what it may use.
/// </summary>
public sealed class ListPricesTool(StripeClients clients) : StripeTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("list_prices", "List prices", ToolEffect.Read,
        "List prices (read-only). Constraints: prices (only these are listed; default: the role's change_plan and preview_plan_change allowlists), maxPageSize.")
    {
        ManifestFields = ["prices", "maxPageSize"],
        StripePermissions = ["prices:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(long? Limit, string? StartingAfter) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Whole("limit"), arguments.Text("starting_after"));

    private const int DefaultPageCap = 100;

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "List active prices (id, amount, currency, interval)." +
        (AllowedPrices(role, grant) is not null ? " Only the prices this role may use are listed." : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["limit"] = Integer("How many prices to return.", 1, grant.MaxPageSize ?? DefaultPageCap),
        ["starting_after"] = Id("Cursor: the last price id of the previous page."),
    });

    public override JsonObject OutputSchema() => StripeSchemas.PageOf(StripeSchemas.Price());

    protected override Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        Task.FromResult(new Resolution { Scoped = false });

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var limit = args.Limit ?? Math.Min(call.Grant.MaxPageSize ?? DefaultPageCap, 20);
        JsonArray data;
        bool hasMore;
        if (AllowedPrices(call.Role, call.Grant) is { } allowed)
        {
            // The allowlist is short and is the only thing the role can act on: fetch exactly those prices.
            var rest = allowed.Order(StringComparer.Ordinal).SkipWhile(id => args.StartingAfter is { } after && string.CompareOrdinal(id, after) <= 0).ToList();
            var prices = new List<JsonNode>();
            foreach (var id in rest.Take((int)limit))
            {
                prices.Add(StripeJson.Price(await stripe.V1.Prices.GetAsync(id, cancellationToken: ct)));
            }

            data = new JsonArray(prices.ToArray());
            hasMore = rest.Count > limit;
        }
        else
        {
            var page = await stripe.V1.Prices.ListAsync(new PriceListOptions { Active = true, Limit = limit, StartingAfter = args.StartingAfter }, cancellationToken: ct);
            data = new JsonArray(page.Data.Select(p => (JsonNode)StripeJson.Price(p)).ToArray());
            hasMore = page.HasMore;
        }

        return new ExecutionResult.Succeeded(new JsonObject { ["data"] = data, ["has_more"] = hasMore }, null, null, null);
    }

    private static IEnumerable<string>? AllowedPrices(RoleManifest role, ToolGrant grant)
    {
        if (grant.Prices is { } own)
        {
            return own;
        }

        var planTools = new[] { "change_plan", "preview_plan_change" }.Select(t => role.Tools.GetValueOrDefault(t)?.Prices).OfType<System.Collections.Immutable.ImmutableArray<string>>().ToList();
        return planTools.Count > 0 ? planTools.SelectMany(p => p).Distinct(StringComparer.Ordinal) : null;
    }
}
