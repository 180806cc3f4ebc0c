using System.Text.Json.Nodes;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// One tool as the governance pipeline sees it: a schema shaped by the role's grant, a way to find out what a call
/// would touch and move (resolve), and a way to do it (execute). Stripe-backed implementations live in <c>Stripe/Tools</c>.
/// </summary>
public interface IToolOperation
{
    /// <summary>What the tool is: its name, title and effect, the manifest fields that constrain it, the Stripe permissions it needs.</summary>
    ToolDeclaration Declaration { get; }

    /// <summary>The MCP tool name of the contract, e.g. <c>issue_refund</c>.</summary>
    string Name => Declaration.Name;

    /// <summary>Short human title for clients.</summary>
    string Title => Declaration.Title;

    /// <summary>Whether the tool reads, changes state, or moves money.</summary>
    ToolEffect Effect => Declaration.Effect;

    /// <summary>What the tool does, written for the model, including the role's limits.</summary>
    string Describe(RoleManifest role, ToolGrant grant);

    /// <summary>The input schema generated from the role's manifest (allowlists as <c>enum</c>, caps as <c>maximum</c>).</summary>
    JsonObject InputSchema(RoleManifest role, ToolGrant grant);

    /// <summary>The arguments, once they passed <see cref="InputSchema"/>, as the tool's own record.</summary>
    IToolArguments ParseArguments(JsonObject arguments) => new JsonArguments(arguments);

    /// <summary>The shape of <c>structuredContent</c> on success.</summary>
    JsonObject OutputSchema();

    /// <summary>
    /// Groups of arguments a call must pass exactly one of (a refund of a payment intent or of a charge). Not in the schema:
    /// <c>oneOf</c> keeps function-calling clients from converting it to a strict schema; the validator enforces it instead,
    /// and the description says it.
    /// </summary>
    IReadOnlyList<string[]> ExactlyOneOf(RoleManifest role) => [];

    /// <summary>
    /// The least money (in minor units of whatever currency it turns out to be) this call moves if it goes through, known
    /// from its arguments alone; null when it may move nothing. Lets a spent budget refuse the call before any Stripe read.
    /// </summary>
    long? LeastMoved(ToolInvocation call) => null;

    /// <summary>Reads what the policy needs: the customer behind the record and the money the call would move.</summary>
    Task<Resolution> ResolveAsync(ToolInvocation call, CancellationToken ct);

    /// <summary>
    /// Asks Stripe what became of an earlier call whose outcome was unknown. With <paramref name="replay"/> (while Stripe
    /// still keeps its idempotency key) by sending the very same request again, which Stripe answers with the first
    /// outcome; otherwise, and when the request cannot be replayed, by evidence: the <c>keybrake_call</c> metadata stamped
    /// on the object, or the object's state. Never by absence alone while Stripe may still act on the request.
    /// </summary>
    Task<Reconciliation> ReconcileAsync(Ledger.AuditRecord call, RoleManifest role, bool replay, CancellationToken ct);

    /// <summary>
    /// Whether calls of this tool on one object run one at a time: its request depends on the object's state (a
    /// subscription's items), so it must not start while another call may still be changing that state.
    /// </summary>
    bool OneAtATimePerObject => false;

    /// <summary>Whether the call can be sent again as the very same request (a POST with the same parameters and idempotency key).</summary>
    bool CanReplay(ToolInvocation call) => Effect != ToolEffect.Read;

    /// <summary>
    /// Before a request whose outcome is unknown is sent again (which does it now if it never arrived): why the object it
    /// acts on is no longer as the request found it, so that doing it now could undo a later change or move more than was
    /// held; null when it may be sent (unchanged, or changed by this very request).
    /// </summary>
    Task<string?> ChangedSincePreparedAsync(ToolInvocation call, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>
    /// Performs the call, with what resolving it found; a request sent again after an unknown outcome gets
    /// <see cref="Resolution.Resend"/> and <see cref="ExecutionKeys.Resend"/>.
    /// </summary>
    Task<ExecutionResult> ExecuteAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, CancellationToken ct);
}

/// <summary>What a tool does to the account: the pipeline holds budget only for money movers, and dedups only changes.</summary>
public enum ToolEffect
{
    Read,
    Change,
    MovesMoney,
}

/// <summary>A validated call on its way through the pipeline.</summary>
public sealed record ToolInvocation(string CallId, string Agent, RoleManifest Role, ToolGrant Grant, JsonObject Arguments)
{
    /// <summary>The arguments as the tool's record (<see cref="IToolOperation.ParseArguments"/>), read once.</summary>
    public required IToolArguments Parsed { get; init; }

    /// <summary>
    /// What resolving the call prepared for sending it (<see cref="Resolution.Prepared"/>), kept with its audit row: a re-send
    /// after an unknown outcome, or a reconciliation, sends the very same request from it, whatever changed since.
    /// </summary>
    public JsonObject? Prepared { get; init; }
}

/// <summary>The identifiers a state-changing call sends to Stripe: the idempotency key and the metadata stamps.</summary>
public sealed record ExecutionKeys(string IdempotencyKey, string CallId, string Agent)
{
    /// <summary>
    /// The request was sent before under this key with an unknown outcome (an agent's retry, a reconciliation): an error
    /// that Stripe gives before it looks at the key says nothing about that first attempt.
    /// </summary>
    public bool Resend { get; init; }
}
