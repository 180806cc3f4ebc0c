using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>pause_subscription</c>: pauses payment collection (Stripe's <c>pause_collection</c>); the subscription keeps its
/// status and cycles, and its invoices are handled as <c>behavior</c> says until it resumes.
/// </summary>
public sealed class PauseSubscriptionTool(StripeClients clients, TimeProvider time) : SubscriptionTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("pause_subscription", "Pause a subscription's payment collection", ToolEffect.Change,
        "Pause collection on a subscription. No constraints besides shadow; write {}.")
    {
        StripePermissions = ["subscriptions:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Subscription, string? Behavior, long? ResumesAt) : ISubscriptionArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Id("subscription"), arguments.Text("behavior"), arguments.Whole("resumes_at"));

    private static readonly string[] Behaviors = ["keep_as_draft", "mark_uncollectible", "void"];

    protected override string Action => "pause";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Pause payment collection on an active or trialing subscription. behavior says what happens to invoices meanwhile: " +
        "keep_as_draft (collect later), mark_uncollectible (offer the service for free) or void. " +
        "Optionally resume automatically at resumes_at; otherwise use resume_subscription.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["subscription"] = Id("The subscription to pause (sub_...)."),
        ["behavior"] = Enum(Behaviors, "What Stripe does with invoices while collection is paused."),
        ["resumes_at"] = Integer("Optional unix time (seconds, in the future) at which collection resumes by itself.", 1),
        ["request_id"] = RequestId(),
    }, "subscription", "behavior");

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(WithCallFields(StripeSchemas.Subscription()), "id", "status", "pause_collection");

    protected override Resolution Check(ToolInvocation call, Subscription subscription, Resolution resolution)
    {
        if (Args<Arguments>(call).ResumesAt is { } at && at <= time.GetUtcNow().ToUnixTimeSeconds())
        {
            return Refuse(resolution, DenialCodes.InvalidArguments, $"cannot be paused until {at}: resumes_at must be in the future");
        }

        if (subscription.Status is not ("active" or "trialing"))
        {
            return Refuse(resolution, DenialCodes.NotAllowed, $"is '{subscription.Status}'; only active or trialing subscriptions can be paused");
        }

        return subscription.PauseCollection is { } pause
            ? Refuse(resolution, DenialCodes.NotAllowed, $"is already paused ({pause.Behavior})")
            : resolution;
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var subscription = await stripe.V1.Subscriptions.UpdateAsync(args.Subscription, new SubscriptionUpdateOptions
        {
            PauseCollection = new SubscriptionPauseCollectionOptions
            {
                Behavior = args.Behavior,
                ResumesAt = args.ResumesAt is { } at ? DateTimeOffset.FromUnixTimeSeconds(at).UtcDateTime : null,
            },
            Metadata = Stamp(keys),
        }, Idempotent(keys), ct);
        return Done(subscription);
    }
}
