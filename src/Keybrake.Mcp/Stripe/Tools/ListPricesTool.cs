using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary><c>list_prices</c>: active prices; when the role has a <c>change_plan</c> allowlist, only those prices.</summary>
public sealed class ListPricesTool(StripeClients clients) : StripeTool(clients)
{
    private const int DefaultPageCap = 100;

    public override string Name => "list_prices";

    public override string Title => "List prices";

    public override ToolEffect Effect => ToolEffect.Read;

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "List active prices (id, amount, currency, interval)." +
        (AllowedPrices(role) is not null ? " Only the prices this role may switch subscriptions to are listed." : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["limit"] = Integer("How many prices to return.", 1, grant.MaxPageSize ?? DefaultPageCap),
        ["starting_after"] = Id("Cursor: the last price id of the previous page."),
    });

    public override JsonObject OutputSchema() => StripeSchemas.PageOf(StripeSchemas.Price());

    protected override Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        Task.FromResult(new Resolution { Scoped = false });

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution? resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var limit = ArgLong(call, "limit") ?? Math.Min(call.Grant.MaxPageSize ?? DefaultPageCap, 20);
        JsonArray data;
        bool hasMore;
        if (AllowedPrices(call.Role) is { } allowed)
        {
            // The allowlist is short and is the only thing the role can act on: fetch exactly those prices.
            var prices = new List<JsonNode>();
            foreach (var id in allowed.Order(StringComparer.Ordinal).SkipWhile(id => Arg(call, "starting_after") is { } after && string.CompareOrdinal(id, after) <= 0).Take((int)limit))
            {
                prices.Add(StripeJson.Price(await stripe.V1.Prices.GetAsync(id, cancellationToken: ct)));
            }

            data = new JsonArray(prices.ToArray());
            hasMore = false;
        }
        else
        {
            var page = await stripe.V1.Prices.ListAsync(new PriceListOptions { Active = true, Limit = limit, StartingAfter = Arg(call, "starting_after") }, cancellationToken: ct);
            data = new JsonArray(page.Data.Select(p => (JsonNode)StripeJson.Price(p)).ToArray());
            hasMore = page.HasMore;
        }

        return new ExecutionResult.Succeeded(new JsonObject { ["data"] = data, ["has_more"] = hasMore }, null, null, null);
    }

    private static IEnumerable<string>? AllowedPrices(RoleManifest role) =>
        role.Tools.TryGetValue("change_plan", out var plan) && plan.Prices is { } prices ? prices : null;
}
