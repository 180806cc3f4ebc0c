using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Stripe.Tools;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// A money-moving tool with no Stripe behind it, so the governance core can be tested on its own: it resolves to a
/// configurable amount and customer and records what it was asked to execute.
/// </summary>
public sealed class FakeOperation(string name = "issue_refund") : IToolOperation
{
    private int _executions;
    private int _resolutions;

    public string Name => name;

    public string Title => "Fake refund";

    public ToolEffect Effect { get; init; } = ToolEffect.MovesMoney;

    public ToolDeclaration Declaration => new(Name, Title, Effect, "A fake refund.");

    public Func<ToolInvocation, Resolution> Resolve { get; set; } = call => new Resolution
    {
        Object = "pi_fake", Scoped = true, Customer = "cus_A", Action = "refund",
        Moves = new MoneyAmount(Amount(call), Currency.Get("usd")),
    };

    public Func<ToolInvocation, ExecutionKeys, ExecutionResult> Execute { get; set; } = (call, keys) =>
        new ExecutionResult.Succeeded(new JsonObject { ["id"] = $"re_{keys.CallId[5..15]}", ["amount"] = Amount(call) },
            new MoneyAmount(Amount(call), Currency.Get("usd")), "re_x", "req_x");

    private static long Amount(ToolInvocation call) => JsonNumbers.TryGetInt64(call.Arguments["amount"], out var amount) ? amount : 1000;

    public List<ExecutionKeys> Executed { get; } = [];

    public int Executions => _executions;

    public int Resolutions => _resolutions;

    /// <summary>The least the call moves, known from its arguments (none by default: no early budget refusal).</summary>
    public Func<ToolInvocation, long?> Least { get; set; } = _ => null;

    public long? LeastMoved(ToolInvocation call) => Least(call);

    public string Describe(RoleManifest role, ToolGrant grant) => "fake";

    public JsonObject InputSchema(RoleManifest role, ToolGrant grant) => ToolSchemas.Object(new JsonObject
    {
        ["payment_intent"] = ToolSchemas.Id("pi"),
        ["amount"] = ToolSchemas.Amount("amount", grant.MaxAmount),
        ["request_id"] = ToolSchemas.RequestId(),
    }, "payment_intent");

    public JsonObject OutputSchema() => new() { ["type"] = "object" };

    public Func<Keybrake.Mcp.Ledger.AuditRecord, Reconciliation> Reconcile { get; set; } = _ => new Reconciliation.StillUnknown("fake");

    public Task<Reconciliation> ReconcileAsync(Keybrake.Mcp.Ledger.AuditRecord call, RoleManifest role, bool replay, CancellationToken ct) => Task.FromResult(Reconcile(call));

    public Task<Resolution> ResolveAsync(ToolInvocation call, CancellationToken ct)
    {
        Interlocked.Increment(ref _resolutions);
        return Task.FromResult(Resolve(call));
    }

    public Task<ExecutionResult> ExecuteAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, CancellationToken ct)
    {
        Interlocked.Increment(ref _executions);
        lock (Executed)
        {
            Executed.Add(keys);
        }

        return Task.FromResult(Execute(call, keys));
    }
}
