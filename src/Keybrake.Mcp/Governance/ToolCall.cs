using System.Diagnostics;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// One tool call on its way through the governance steps: what the agent sent, and what each step found out about it.
/// Each property is set once, by the step named beside it, and read by the steps after it.
/// </summary>
public sealed class ToolCall
{
    public ToolCall(string agent, string toolName, JsonObject arguments, IApprovalPrompt? prompt, TimeProvider time)
    {
        // A null argument is an absent one: clients that make every argument required for a model's strict function
        // schema (OpenAI's) send null for what the model left out. A required one left null is refused as missing.
        if (arguments.Any(a => a.Value is null))
        {
            arguments = new JsonObject(arguments.Where(a => a.Value is not null).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value!.DeepClone())));
        }

        Agent = agent;
        // The name is the client's: a huge one (no tool is named so) must not make every refusal and audit row huge.
        ToolName = AuditArguments.BoundToolName(toolName);
        Arguments = arguments;
        // Canonical, so argument order does not make two requests of one.
        ArgumentsJson = CanonicalJson.Of(arguments);
        Prompt = prompt;
        Who = new CallIdentity(agent, "");
        Now = time.GetUtcNow();
    }

    /// <summary>Time-ordered: the ledger's indexes on call ids then grow at one end instead of being written all over.</summary>
    public string CallId { get; } = $"call_{Guid.CreateVersion7():N}";

    public string Agent { get; }

    public string ToolName { get; }

    /// <summary>The arguments as sent, without null members.</summary>
    public JsonObject Arguments { get; }

    /// <summary>The arguments as canonical JSON: what the audit row and the request's fingerprint are made of.</summary>
    public string ArgumentsJson { get; }

    /// <summary>How the caller proved who it is (<see cref="Ledger.AuditRecord.Auth"/>); null over stdio.</summary>
    public string? Auth { get; init; }

    /// <summary>Where a decision the role leaves to the client (an approval) is asked; null when the client cannot be asked.</summary>
    public IApprovalPrompt? Prompt { get; }

    /// <summary>When the call arrived (the early replay lookup's horizon is counted from it).</summary>
    public DateTimeOffset Now { get; }

    /// <summary>For the audit row's duration.</summary>
    public long StartedTimestamp { get; } = Stopwatch.GetTimestamp();

    /// <summary>The agent's role (<see cref="Steps.KnownAgentStep"/>).</summary>
    public RoleManifest? Role { get; private set; }

    /// <summary>Who the call is on behalf of; the role is empty until the agent is known.</summary>
    public CallIdentity Who { get; private set; }

    /// <summary>The role's grant of this tool, and the tool itself (<see cref="Steps.GrantedToolStep"/>).</summary>
    public ToolGrant? Grant { get; internal set; }

    /// <inheritdoc cref="Grant"/>
    public IToolOperation? Operation { get; internal set; }

    /// <summary>
    /// The rate limits a refusal from here on counts against: set once the early rate check passed (a call refused for its
    /// rate is not counted; one refused for anything after is, so a flood of refused calls is limited like any other).
    /// </summary>
    public IReadOnlyList<RateLimit> CountsAgainst { get; internal set; } = [];

    /// <summary>Shadow rate limits the call went over (<see cref="Steps.EarlyRateLimitStep"/>), audited by <see cref="Steps.ShadowRateLimitStep"/>.</summary>
    public IReadOnlyList<RateLimitHit> ShadowRateHits { get; internal set; } = [];

    /// <summary>The logical request behind a call that changes something (null for reads): its fingerprint and idempotency key.</summary>
    public RequestIdentity? Request { get; internal set; }

    /// <summary>
    /// An earlier attempt of the same request that moved money or may have (<see cref="Steps.EarlyReplayStep"/>): the call
    /// is answered from it instead of going on.
    /// </summary>
    public AuditRecord? Earlier { get; internal set; }

    /// <summary>What the call touches and moves (<see cref="Steps.ResolveStep"/>).</summary>
    public Resolution? Resolved { get; internal set; }

    /// <summary>The approval the call goes ahead on (<see cref="Steps.ApprovalStep"/>).</summary>
    public string? ApprovalId { get; internal set; }

    /// <summary>The step that refused the call, set by the pipeline; null when none did, or the ledger refused it as it started.</summary>
    public IGovernanceStep? RefusedBy { get; internal set; }

    /// <summary>How the call ended (<see cref="Refusals"/>, <see cref="CallExecution"/>); null while it runs.</summary>
    public CallEnding? Ending { get; internal set; }

    /// <summary>The invocation a tool resolves and executes.</summary>
    /// <remarks>Built on first use, which is after validation: only validated arguments are parsed, and only once.</remarks>
    public ToolInvocation Invocation => _invocation ??= new ToolInvocation(CallId, Agent, Role!, Grant!, Arguments) { Parsed = Operation!.ParseArguments(Arguments) };

    private ToolInvocation? _invocation;

    internal void Identify(RoleManifest role)
    {
        Role = role;
        Who = new CallIdentity(Agent, role.Role);
    }
}
