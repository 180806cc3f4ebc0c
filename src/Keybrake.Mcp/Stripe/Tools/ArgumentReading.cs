using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>Reads validated arguments into a tool's record: the validator already checked each type, so these only convert.</summary>
internal static class ArgumentReading
{
    public static string? Text(this JsonObject arguments, string name) => arguments[name]?.GetValue<string>();

    /// <summary>A required argument: the schema names it required, so validation has made sure it is here.</summary>
    public static string Id(this JsonObject arguments, string name) =>
        arguments.Text(name) ?? throw new InvalidOperationException($"'{name}' is required and was validated; it cannot be missing here");

    public static long? Whole(this JsonObject arguments, string name) => JsonNumbers.TryGetInt64(arguments[name], out var value) ? value : null;

    public static bool? Flag(this JsonObject arguments, string name) => arguments[name]?.GetValue<bool>();
}

/// <summary>Arguments naming one subscription, read by the subscription tools' shared steps.</summary>
public interface ISubscriptionArguments : IToolArguments
{
    string Subscription { get; }
}

/// <summary>Arguments of a subscription change that bills (change_plan, update_subscription_quantity).</summary>
public interface ISubscriptionChangeArguments : ISubscriptionArguments
{
    string? ProrationBehavior { get; }
}

/// <summary>Arguments naming one invoice, read by the invoice tools' shared steps.</summary>
public interface IInvoiceArguments : IToolArguments
{
    string Invoice { get; }
}

/// <summary>The paging and customer arguments every customer-filtered list shares.</summary>
public interface IListArguments : IToolArguments
{
    string? Customer { get; }

    long? Limit { get; }

    string? StartingAfter { get; }
}
