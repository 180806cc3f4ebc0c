using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>extend_trial</c>: moves a trialing subscription's trial end later by whole days, capped by the grant's
/// <c>maxDays</c>. Nothing is prorated: a longer trial only postpones the first charge.
/// </summary>
public sealed class ExtendTrialTool(StripeClients clients) : SubscriptionTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("extend_trial", "Extend a subscription's trial", ToolEffect.Change,
        "Extend a subscription's trial. Constraints: maxDays.")
    {
        ManifestFields = ["maxDays"],
        StripePermissions = ["subscriptions:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Subscription, long? Days) : ISubscriptionArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("subscription"), arguments.Whole("days"));

    /// <summary>The cap when the grant sets no <c>maxDays</c>.</summary>
    public const int DefaultMaxDays = 30;

    private const long SecondsPerDay = 86_400;

    protected override string Action => "trial extension";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        $"Extend the trial of a trialing subscription by 1 to {grant.MaxDays ?? DefaultMaxDays} days, counted from its current trial end.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["subscription"] = Id("The trialing subscription (sub_...)."),
        ["days"] = Integer("Days to add to the current trial end.", 1, grant.MaxDays ?? DefaultMaxDays),
        ["request_id"] = RequestId(),
    }, "subscription", "days");

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(WithCallFields(StripeSchemas.Subscription()), "id", "status", "trial_end");

    protected override Resolution Check(ToolInvocation call, Subscription subscription, Resolution resolution)
    {
        if (subscription is not { Status: "trialing", TrialEnd: { } trialEnd })
        {
            return Refuse(resolution, DenialCodes.NotAllowed, $"is '{subscription.Status}'; only a trialing subscription's trial can be extended");
        }

        // The new end is worked out once, from the trial end before the call: a re-send carries the same end, never the
        // days added again to an end the first attempt already moved.
        var end = new DateTimeOffset(DateTime.SpecifyKind(trialEnd, DateTimeKind.Utc)).ToUnixTimeSeconds() + Args<Arguments>(call).Days!.Value * SecondsPerDay;
        return resolution with { Prepared = new JsonObject { ["trial_end"] = end } };
    }

    public override bool CanReplay(ToolInvocation call) => call.Prepared is not null;

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var end = Stripe.SubscriptionCharges.Number(call.Prepared, "trial_end")
            ?? throw new InvalidOperationException($"{Name} ({keys.CallId}) has no prepared trial end");
        return Done(await stripe.V1.Subscriptions.UpdateAsync(Args<Arguments>(call).Subscription, new SubscriptionUpdateOptions
        {
            TrialEnd = DateTimeOffset.FromUnixTimeSeconds(end).UtcDateTime,
            ProrationBehavior = "none",
            Metadata = Stamp(keys),
        }, Idempotent(keys), ct));
    }
}
