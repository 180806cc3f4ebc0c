using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Manifests.Reading;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Notifications;

/// <summary>
/// Builds each event's body: a Slack-compatible one-line <c>text</c> with the numbers, then the structured event
/// (<c>type</c>, <c>id</c>, <c>time</c>, <c>role</c>, <c>agent</c> and its own fields; money in minor units with its currency).
/// </summary>
internal static class NotificationEvents
{
    /// <summary>The arguments that name the Stripe object a call acts on, in the order they are looked for.</summary>
    private static readonly string[] ObjectArguments = ["payment_intent", "charge", "subscription", "invoice", "customer"];

    public static NotificationEvent ApprovalRequested(ApprovalRecord approval)
    {
        var (target, ticket) = Described(approval.Arguments);
        var text = $"approval requested: {approval.Agent} asks to {approval.Tool} {approval.Amount}{On(target ?? approval.Subject.Object)}" +
                   $"{(approval.Subject.Customer is { } customer ? $" of {customer}" : "")}{(ticket is null ? "" : $" (ticket {ticket})")}, " +
                   $"expires {Clock(approval.Expires)} — keybrake-mcp approvals approve {approval.Id}";
        return Build(NotificationTypes.ApprovalRequested, approval.Created, approval.Role, approval.Agent, null, text, body =>
        {
            body["approval_id"] = approval.Id;
            body["tool"] = approval.Tool;
            AddMoney(body, "amount", approval.Amount);
            body["object"] = target ?? approval.Subject.Object;
            body["customer"] = approval.Subject.Customer;
            body["ticket"] = ticket;
            body["expires"] = AuditRecordJson.Time(approval.Expires);
        });
    }

    public static NotificationEvent ApprovalDecided(ApprovalRecord decided, DateTimeOffset at)
    {
        var (target, ticket) = Described(decided.Arguments);
        var text = $"approval {decided.Status}: {decided.Agent}'s {decided.Tool} {decided.Amount}{On(target)} {decided.Status} by {decided.DecidedBy}" +
                   $"{(decided.Reason is null ? "" : $": {decided.Reason}")} ({decided.Id})";
        return Build(NotificationTypes.ApprovalDecided, at, decided.Role, decided.Agent, null, text, body =>
        {
            body["approval_id"] = decided.Id;
            body["decision"] = decided.Status;
            body["decided_by"] = decided.DecidedBy;
            body["reason"] = decided.Reason;
            body["tool"] = decided.Tool;
            AddMoney(body, "amount", decided.Amount);
            body["object"] = target ?? decided.Subject.Object;
            body["customer"] = decided.Subject.Customer;
            body["ticket"] = ticket;
        });
    }

    public static NotificationEvent AgentRevoked(string scope, string? reason, DateTimeOffset at)
    {
        var agent = scope.StartsWith("agent:", StringComparison.Ordinal) ? scope["agent:".Length..] : null;
        var role = scope.StartsWith("role:", StringComparison.Ordinal) ? scope["role:".Length..] : null;
        var who = agent ?? (role is not null ? $"every agent of role {role}" : "every agent");
        var undo = agent ?? (role is not null ? $"--role {role}" : "--all");
        var text = $"agent revoked: {who} is refused from its next call{(reason is null ? "" : $": {reason}")} — keybrake-mcp reinstate {undo}";
        return Build(NotificationTypes.AgentRevoked, at, role, agent, scope, text, body =>
        {
            body["scope"] = scope;
            body["reason"] = reason;
        });
    }

    public static NotificationEvent OutcomeUnknown(AuditRecord call, long? heldMinor, DateTimeOffset at)
    {
        var held = heldMinor is { } minor && call.Currency is { } code ? new MoneyAmount(minor, Currency.Get(code)) : (MoneyAmount?)null;
        var text = $"outcome unknown: {call.Agent}'s {call.Tool}{(held is { } h ? $" {h}" : "")}{On(call.Object)} got no answer from Stripe" +
                   $"{(held is null ? "" : "; the money stays held until reconciled")} — keybrake-mcp reconcile (call {call.CallId})";
        return Build(NotificationTypes.OutcomeUnknown, at, call.Role, call.Agent, null, text, body =>
        {
            body["call_id"] = call.CallId;
            body["tool"] = call.Tool;
            if (held is { } amount)
            {
                AddMoney(body, "amount", amount);
            }

            body["object"] = call.Object;
            body["code"] = call.Code;
            body["message"] = call.Message;
        });
    }

    public static NotificationEvent BudgetThreshold(CallIdentity who, Budget budget, int percent, long usedMinor, DateTimeOffset at)
    {
        var owner = budget.Per == LimitScope.Agent ? $"{who.Agent}'s" : $"role {who.Role}'s";
        var text = $"budget {percent}% used: {owner} {budget.Window.Name()} budget{(budget.Shadow ? " (shadow)" : "")}: " +
                   $"{MoneyAmount.FormatNumber(usedMinor, budget.Limit.Currency)} of {budget.Limit} used, latest call by {who.Agent}";
        return Build(NotificationTypes.BudgetThreshold, at, who.Role, who.Agent, null, text, body =>
        {
            body["percent"] = percent;
            body["per"] = budget.Per.Name();
            body["window"] = budget.Window.Name();
            body["used"] = usedMinor;
            body["limit"] = budget.Limit.Minor;
            body["currency"] = budget.Limit.Currency.Code;
            body["shadow"] = budget.Shadow;
        });
    }

    private static NotificationEvent Build(string type, DateTimeOffset at, string? role, string? agent, string? scope, string text, Action<JsonObject> fields)
    {
        var id = $"evt_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
        var body = new JsonObject
        {
            ["text"] = text, ["type"] = type, ["id"] = id, ["time"] = AuditRecordJson.Time(at), ["role"] = role, ["agent"] = agent,
        };
        fields(body);
        // Absent rather than null: receivers test for a field, and a Slack message stays short.
        foreach (var empty in body.Where(p => p.Value is null).Select(p => p.Key).ToArray())
        {
            if (empty is not ("role" or "agent"))
            {
                body.Remove(empty);
            }
        }

        return new NotificationEvent(id, type, at, role, agent, scope, body.ToJsonString());
    }

    private static void AddMoney(JsonObject body, string name, MoneyAmount amount)
    {
        body[name] = amount.Minor;
        body["currency"] = amount.Currency.Code;
    }

    private static string On(string? target) => target is null ? "" : $" on {target}";

    private static string Clock(DateTimeOffset time) => time.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>The Stripe object and the ticket a call's arguments name, when they are plain strings.</summary>
    private static (string? Target, string? Ticket) Described(string arguments)
    {
        try
        {
            if (JsonNode.Parse(arguments) is not JsonObject args)
            {
                return (null, null);
            }

            var target = ObjectArguments.Select(name => Text(args[name])).FirstOrDefault(t => t is not null);
            return (target, Text(args["ticket"]));
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, null);
        }
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
