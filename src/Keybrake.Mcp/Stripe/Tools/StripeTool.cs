using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of every Stripe-backed tool: picks the role's client and turns Stripe.net's exceptions into the contract's
/// outcomes, so each tool only says what it reads and what it sends.
/// </summary>
public abstract class StripeTool(StripeClients clients) : IToolOperation
{
    public abstract ToolDeclaration Declaration { get; }

    public string Name => Declaration.Name;

    public string Title => Declaration.Title;

    public ToolEffect Effect => Declaration.Effect;

    public abstract string Describe(RoleManifest role, ToolGrant grant);

    public abstract JsonObject InputSchema(RoleManifest role, ToolGrant grant);

    public abstract IToolArguments ParseArguments(JsonObject arguments);

    public abstract JsonObject OutputSchema();

    public virtual IReadOnlyList<string[]> ExactlyOneOf(RoleManifest role) => [];

    public virtual long? LeastMoved(ToolInvocation call) => null;

    public async Task<Resolution> ResolveAsync(ToolInvocation call, CancellationToken ct)
    {
        try
        {
            return await clients.Retry.RunAsync(Name, "resolve", () => ResolveCoreAsync(call, Client(call), ct), ct);
        }
        catch (StripeException ex)
        {
            return Resolution.Refused(StripeFailures.ToDenial(ex, call.Role.Role));
        }
        catch (RoleKeyUnavailableException ex)
        {
            return Resolution.Refused(new Denial(DenialCodes.Unavailable, $"{Name} is unavailable: {ex.Message}"));
        }
        catch (Exception ex) when (StripeFailures.IsNoAnswer(ex, ct))
        {
            // Only reads were sent: nothing can have moved, so this is a plain refusal.
            return Resolution.Refused(new Denial(DenialCodes.Unavailable, $"{Name}: Stripe did not answer while reading the record; nothing was changed, try again"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Anything else (a request Stripe.net could not even build, a response it could not read) is still a refusal
            // the audit log records, never the SDK's bare "An error occurred". Only the type: a message may quote a header.
            return Resolution.Refused(new Denial(DenialCodes.Unavailable, $"{Name}: could not read the record from Stripe ({ex.GetType().Name}); nothing was changed"));
        }
    }

    public async Task<ExecutionResult> ExecuteAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, CancellationToken ct)
    {
        try
        {
            return await clients.Retry.RunAsync(Name, "execute", () => ExecuteCoreAsync(call, resolved, keys, Client(call), ct), ct);
        }
        catch (StripeException ex) when (Effect != ToolEffect.Read && StripeRetry.MayHaveApplied(ex))
        {
            // Stripe failed on its side after the retries: it may have applied the change, so the hold stays.
            return new ExecutionResult.Unknown($"{Name} ({keys.CallId}): Stripe answered {(int)ex.HttpStatusCode} after {clients.Retry.NetworkRetries} retries");
        }
        catch (StripeException ex) when (Effect != ToolEffect.Read && StripeRetry.IsKeyInUse(ex))
        {
            // An earlier attempt with this idempotency key is still running at Stripe: its outcome is not known yet.
            return new ExecutionResult.Unknown($"{Name} ({keys.CallId}): Stripe is still processing an earlier attempt of this request");
        }
        catch (StripeException ex) when (Effect != ToolEffect.Read && keys.Resend && StripeRetry.SaysNothingAboutEarlierAttempts(ex))
        {
            // Refused before Stripe looked at the key: the first attempt may still have been applied. The hold stays.
            return new ExecutionResult.Unknown($"{Name} ({keys.CallId}): Stripe answered {(int)ex.HttpStatusCode} to the request sent again, " +
                "which says nothing about its first attempt");
        }
        catch (StripeException ex)
        {
            return new ExecutionResult.Failed(StripeFailures.ToDenial(ex, call.Role.Role), ex.StripeResponse?.RequestId);
        }
        catch (RoleKeyUnavailableException ex) when (keys.Resend)
        {
            return new ExecutionResult.Unknown($"{Name} ({keys.CallId}) could not be sent again: {ex.Message}");
        }
        catch (RoleKeyUnavailableException ex)
        {
            return new ExecutionResult.Failed(new Denial(DenialCodes.Unavailable, $"{Name} is unavailable: {ex.Message}"), null);
        }
        catch (Exception ex) when (StripeFailures.IsNoAnswer(ex, ct))
        {
            if (Effect == ToolEffect.Read)
            {
                return new ExecutionResult.Failed(new Denial(DenialCodes.Unavailable, $"{Name}: Stripe did not answer; nothing was changed, try again"), null);
            }

            return new ExecutionResult.Unknown($"{Name} ({keys.CallId}): no answer from Stripe after the request was sent");
        }
    }

    public virtual bool OneAtATimePerObject => false;

    public virtual bool CanReplay(ToolInvocation call) => Effect != ToolEffect.Read;

    public async Task<Reconciliation> ReconcileAsync(AuditRecord record, RoleManifest role, bool replay, CancellationToken ct)
    {
        if (Effect == ToolEffect.Read)
        {
            return new Reconciliation.DidNotHappen("a read: nothing was changed or moved");
        }

        var arguments = JsonNode.Parse(record.Arguments) as JsonObject ?? [];
        IToolArguments parsed;
        try
        {
            parsed = ParseArguments(arguments);
        }
        catch (InvalidOperationException)
        {
            // Only a row written by something else than this pipeline (which parses validated arguments) could fail here.
            return new Reconciliation.StillUnknown($"the arguments kept for call {record.CallId} are not ones {Name} takes; check it in Stripe's dashboard");
        }

        var call = new ToolInvocation(record.CallId, record.Agent, role, role.Tools.GetValueOrDefault(Name) ?? new ToolGrant(), arguments)
        {
            Parsed = parsed,
            Prepared = record.Context is { } context ? JsonNode.Parse(context) as JsonObject : null,
        };
        // A row whose arguments were cut to bound the audit log no longer holds the request as it was sent.
        if (replay && record.IdempotencyKey is { } key && record.ArgumentsSha256 is null && CanReplay(call)
            && await ChangedSincePreparedAsync(call, ct) is null
            && await ReplayAsync(call, new ExecutionKeys(key, record.CallId, record.Agent) { Resend = true }, ct) is { } certain)
        {
            return certain;
        }

        try
        {
            return await clients.Retry.RunAsync(Name, "reconcile", () => ReconcileCoreAsync(call, Client(call), ct), ct);
        }
        catch (StripeException ex)
        {
            return new Reconciliation.StillUnknown($"Stripe refused the lookup: {StripeFailures.Scrub(ex.StripeError?.Message ?? ex.Message)}");
        }
        catch (RoleKeyUnavailableException ex)
        {
            return new Reconciliation.StillUnknown(ex.Message);
        }
        catch (Exception ex) when (StripeFailures.IsNoAnswer(ex, ct))
        {
            return new Reconciliation.StillUnknown("Stripe did not answer the lookup");
        }
    }

    /// <summary>
    /// Sends the call again with its idempotency key, the certain way to learn its outcome while Stripe keeps the key
    /// (24 hours): Stripe answers the first outcome; 409 while the first still runs; and if the first never arrived, does
    /// it now, once, under the hold the call still has. Null when the request cannot be replayed as it was (its parameters
    /// no longer match), so the caller looks for other evidence.
    /// </summary>
    private async Task<Reconciliation?> ReplayAsync(ToolInvocation call, ExecutionKeys keys, CancellationToken ct)
    {
        try
        {
            return await clients.Retry.RunAsync(Name, "resend", () => ExecuteCoreAsync(call, Resolution.Resend, keys, Client(call), ct), ct) switch
            {
                ExecutionResult.Succeeded ok => new Reconciliation.Happened(ok.Result, ok.Moved, ok.Object) { RecurringDelta = ok.RecurringDelta },
                ExecutionResult.Failed failed => new Reconciliation.DidNotHappen($"Stripe refused the request sent again with its idempotency key: {failed.Denial.Message}"),
                ExecutionResult.Unknown unknown => new Reconciliation.StillUnknown(unknown.Message),
                _ => null,
            };
        }
        catch (StripeException ex) when (StripeRetry.IsKeyInUse(ex))
        {
            return new Reconciliation.StillUnknown("Stripe is still processing the request (409 for its idempotency key); try again shortly");
        }
        catch (StripeException ex) when (ex.StripeError?.Type == "idempotency_error" && !StripeRetry.IsReplayedAnswer(ex))
        {
            return null;
        }
        catch (StripeException ex) when (StripeRetry.SaysNothingAboutEarlierAttempts(ex))
        {
            return new Reconciliation.StillUnknown($"Stripe answered {(int)ex.HttpStatusCode} to the request sent again, which says nothing about its first attempt");
        }
        catch (StripeException ex) when (StripeRetry.MayHaveApplied(ex))
        {
            return new Reconciliation.StillUnknown($"Stripe answered {(int)ex.HttpStatusCode} to the request sent again");
        }
        catch (StripeException ex)
        {
            // A refusal of this very request under its key: Stripe's stored answer to the first attempt, or, if that never
            // arrived, a refusal now. Either way nothing was done.
            return new Reconciliation.DidNotHappen($"Stripe refused the request sent again with its idempotency key: {StripeFailures.Scrub(ex.StripeError?.Message ?? ex.Message)}");
        }
        catch (RoleKeyUnavailableException ex)
        {
            return new Reconciliation.StillUnknown(ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new Reconciliation.StillUnknown($"the request sent again did not complete ({ex.GetType().Name})");
        }
    }

    public async Task<string?> ChangedSincePreparedAsync(ToolInvocation call, CancellationToken ct)
    {
        try
        {
            return await clients.Retry.RunAsync(Name, "check", () => ChangedSinceCoreAsync(call, Client(call), ct), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return $"could not read what call {call.CallId} acts on to check it is as the request found it ({ex.GetType().Name})";
        }
    }

    /// <summary>See <see cref="IToolOperation.ChangedSincePreparedAsync"/>; tools whose request means the same whatever changed since keep the default.</summary>
    protected virtual Task<string?> ChangedSinceCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>Looks at Stripe for the effect of an earlier call (its id is <c>call.CallId</c>). Tools that cannot tell say so.</summary>
    protected virtual Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        Task.FromResult<Reconciliation>(new Reconciliation.StillUnknown($"{Name} cannot be reconciled automatically; check call {call.CallId} in Stripe's dashboard"));

    /// <summary>Reconciles a call that stamps the subscription it changes: the stamp says whether it landed.</summary>
    protected static async Task<Reconciliation> BySubscriptionStampAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var subscription = await stripe.V1.Subscriptions.GetAsync(Args<ISubscriptionArguments>(call).Subscription, cancellationToken: ct);
        return subscription.Metadata?.GetValueOrDefault("keybrake_call") switch
        {
            { } stamp when stamp == call.CallId => new Reconciliation.Happened(StripeJson.Subscription(subscription), null, subscription.Id),
            // Another call changed it since and stamped over this one's mark, if this one landed at all: no evidence either way.
            { } other => new Reconciliation.StillUnknown($"subscription {subscription.Id} was changed since by call {other}, which replaced any mark of " +
                $"call {call.CallId}; check the subscription's events in Stripe's dashboard"),
            null => new Reconciliation.DidNotHappen($"subscription {subscription.Id} does not carry call {call.CallId}"),
        };
    }

    /// <summary>Reads the record(s) the policy needs.</summary>
    protected abstract Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct);

    /// <summary>Sends the call. State-changing tools must pass <see cref="Idempotent"/> options.</summary>
    protected abstract Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct);

    /// <summary>Request options with the call's idempotency key, so Stripe.net's retries and ours are one request.</summary>
    protected static RequestOptions Idempotent(ExecutionKeys keys) => new() { IdempotencyKey = keys.IdempotencyKey };

    /// <summary>The metadata stamped on objects a call creates or changes, linking them to the audit log.</summary>
    protected static Dictionary<string, string> Stamp(ExecutionKeys keys) => new()
    {
        ["keybrake_agent"] = keys.Agent,
        ["keybrake_call"] = keys.CallId,
    };

    /// <summary>The call's arguments as this tool's record (or a shared view of it, for the steps tools share).</summary>
    protected static T Args<T>(ToolInvocation call) where T : IToolArguments => (T)call.Parsed;

    private StripeClient Client(ToolInvocation call) => clients.For(call.Role);
}
