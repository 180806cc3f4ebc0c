using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>list_refunds</c>. Stripe cannot filter refunds by customer, so under a customer scope the caller must name the
/// payment intent or charge, whose customer is checked before anything is listed.
/// </summary>
public sealed class ListRefundsTool(StripeClients clients) : StripeTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("list_refunds", "List refunds", ToolEffect.Read,
        "List refunds (read-only). Constraints: maxPageSize.")
    {
        ManifestFields = ["maxPageSize"],
        StripePermissions = ["refunds:read"],
        ScopedStripePermissions = ["payment_intents:read", "charges:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string? PaymentIntent, string? Charge, long? Limit, string? StartingAfter) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Text("payment_intent"), arguments.Text("charge"), arguments.Whole("limit"), arguments.Text("starting_after"));

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        $"List refunds, newest first, at most {Cap(grant)} per page." +
        (role.Customers is not null ? " Pass the payment_intent or charge they belong to; it must be one of this role's customers'." : " Filter by payment_intent or charge.");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["payment_intent"] = Id("Only refunds of this PaymentIntent (pi_...)."),
        ["charge"] = Id("Only refunds of this charge (ch_...)."),
        ["limit"] = Integer($"How many refunds to return (default {Math.Min(10, Cap(grant))}).", 1, Cap(grant)),
        ["starting_after"] = Id("Cursor: the last id of the previous page."),
    });

    // Stripe lists refunds by payment, not by customer: under a scope the payment names the customer that is checked.
    public override IReadOnlyList<string[]> ExactlyOneOf(RoleManifest role) => role.Customers is null ? [] : [["payment_intent", "charge"]];

    public override JsonObject OutputSchema() => StripeSchemas.PageOf(StripeSchemas.Refund());

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        if (call.Role.Customers is null)
        {
            return new Resolution { Scoped = false };
        }

        if (args.PaymentIntent is { } intentId)
        {
            var intent = await stripe.V1.PaymentIntents.GetAsync(intentId, cancellationToken: ct);
            return new Resolution { Scoped = true, Object = intent.Id, Describes = $"payment intent {intent.Id}", Customer = intent.CustomerId };
        }

        var charge = await stripe.V1.Charges.GetAsync(args.Charge!, cancellationToken: ct);
        return new Resolution { Scoped = true, Object = charge.Id, Describes = $"charge {charge.Id}", Customer = charge.CustomerId };
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var page = await stripe.V1.Refunds.ListAsync(new RefundListOptions
        {
            PaymentIntent = args.PaymentIntent,
            Charge = args.Charge,
            Limit = args.Limit ?? Math.Min(10, Cap(call.Grant)),
            StartingAfter = args.StartingAfter,
        }, cancellationToken: ct);
        return new ExecutionResult.Succeeded(new JsonObject
        {
            ["data"] = new JsonArray(page.Data.Select(r => (JsonNode)StripeJson.Refund(r)).ToArray()),
            ["has_more"] = page.HasMore,
        }, null, null, page.StripeResponse?.RequestId);
    }

    private static int Cap(ToolGrant grant) => grant.MaxPageSize ?? ListTool<Refund>.DefaultPageCap;
}
