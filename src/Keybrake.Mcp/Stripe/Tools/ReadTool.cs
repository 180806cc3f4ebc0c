using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of the <c>get_*</c> tools: the record is fetched once while resolving (its customer decides the scope check)
/// and returned as the result, so a read costs one Stripe request.
/// </summary>
public abstract class ReadTool(StripeClients clients) : StripeTool(clients)
{
    /// <summary>Fetches the record and says whose it is.</summary>
    protected abstract Task<(JsonObject Json, string Id, string? Customer, string Describes)> FetchAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct);

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var (json, id, customer, describes) = await FetchAsync(call, stripe, ct);
        return new Resolution { Object = id, Describes = describes, Scoped = true, Customer = customer, Prefetched = json };
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var json = resolved.Prefetched as JsonObject ?? (await FetchAsync(call, stripe, ct)).Json;
        return new ExecutionResult.Succeeded(json, null, json["id"]?.GetValue<string>(), null);
    }
}

/// <summary><c>get_payment_intent</c>.</summary>
public sealed class GetPaymentIntentTool(StripeClients clients) : ReadTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("get_payment_intent", "Get a payment intent", ToolEffect.Read,
        "Read a payment intent (read-only). No constraints besides shadow; write {}.")
    {
        StripePermissions = ["payment_intents:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string PaymentIntent) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("payment_intent"));

    public override string Describe(RoleManifest role, ToolGrant grant) => "Read a PaymentIntent: amount, capturable and received amounts, status, customer, latest charge.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) =>
        ToolSchemas.Object(new JsonObject { ["payment_intent"] = ToolSchemas.Id("The PaymentIntent id (pi_...).") }, "payment_intent");

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(StripeSchemas.PaymentIntent(), "id", "amount", "currency", "status");

    protected override async Task<(JsonObject, string, string?, string)> FetchAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var intent = await stripe.V1.PaymentIntents.GetAsync(Args<Arguments>(call).PaymentIntent, cancellationToken: ct);
        return (StripeJson.PaymentIntent(intent), intent.Id, intent.CustomerId, $"payment intent {intent.Id}");
    }
}

/// <summary><c>get_charge</c>.</summary>
public sealed class GetChargeTool(StripeClients clients) : ReadTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("get_charge", "Get a charge", ToolEffect.Read,
        "Read a charge (read-only). No constraints besides shadow; write {}.")
    {
        StripePermissions = ["charges:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Charge) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("charge"));

    public override string Describe(RoleManifest role, ToolGrant grant) => "Read a charge: amount, captured and refunded amounts, what is still refundable, status, customer.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) =>
        ToolSchemas.Object(new JsonObject { ["charge"] = ToolSchemas.Id("The charge id (ch_...).") }, "charge");

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(StripeSchemas.Charge(), "id", "amount", "currency", "status");

    protected override async Task<(JsonObject, string, string?, string)> FetchAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var charge = await stripe.V1.Charges.GetAsync(Args<Arguments>(call).Charge, cancellationToken: ct);
        return (StripeJson.Charge(charge), charge.Id, charge.CustomerId, $"charge {charge.Id}");
    }
}

/// <summary><c>get_customer</c>.</summary>
public sealed class GetCustomerTool(StripeClients clients) : ReadTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("get_customer", "Get a customer", ToolEffect.Read,
        "Read a customer (read-only). No constraints besides shadow; write {}.")
    {
        StripePermissions = ["customers:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Customer) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("customer"));

    public override string Describe(RoleManifest role, ToolGrant grant) => "Read a customer: name, email, currency, delinquency.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) =>
        ToolSchemas.Object(new JsonObject { ["customer"] = ToolSchemas.Id("The customer id (cus_...).") }, "customer");

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(StripeSchemas.Customer(), "id");

    protected override async Task<(JsonObject, string, string?, string)> FetchAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var customer = await stripe.V1.Customers.GetAsync(Args<Arguments>(call).Customer, cancellationToken: ct);
        return (StripeJson.Customer(customer), customer.Id, customer.Id, $"customer {customer.Id}");
    }
}

/// <summary><c>get_subscription</c>.</summary>
public sealed class GetSubscriptionTool(StripeClients clients) : ReadTool(clients), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("get_subscription", "Get a subscription", ToolEffect.Read,
        "Read a subscription (read-only). No constraints besides shadow; write {}.")
    {
        StripePermissions = ["subscriptions:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Subscription) : IToolArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) => new Arguments(arguments.Id("subscription"));

    public override string Describe(RoleManifest role, ToolGrant grant) => "Read a subscription: status, customer, items with their prices and quantities.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) =>
        ToolSchemas.Object(new JsonObject { ["subscription"] = ToolSchemas.Id("The subscription id (sub_...).") }, "subscription");

    public override JsonObject OutputSchema() => StripeSchemas.ObjectOf(StripeSchemas.Subscription(), "id", "status", "items");

    protected override async Task<(JsonObject, string, string?, string)> FetchAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var subscription = await stripe.V1.Subscriptions.GetAsync(Args<Arguments>(call).Subscription, cancellationToken: ct);
        return (StripeJson.Subscription(subscription), subscription.Id, subscription.CustomerId, $"subscription {subscription.Id}");
    }
}
