namespace Keybrake.Mcp.Governance;

/// <summary>
/// One check of a tool call (DESIGN.md section 2). Returns the refusal that stops the call, or null to go on; a step may
/// record what it found on the <see cref="ToolCall"/> for the steps after it. A ledger that cannot answer throws
/// <see cref="Ledger.LedgerUnavailableException"/>, which the pipeline turns into a refusal before anything reaches Stripe.
/// </summary>
public interface IGovernanceStep
{
    ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct);

    /// <summary>The step's name where a refusal is reported (telemetry's <c>keybrake.refusal.step</c>): its type's, by default.</summary>
    string Name => GetType().Name;
}

/// <summary>
/// A step a role's grant can put in shadow mode (<c>"shadow": true</c>): then <see cref="Steps.ShadowMode"/> asks it only
/// what it would refuse, without side effects, and records that instead of refusing.
/// </summary>
public interface IShadowableStep : IGovernanceStep
{
    /// <summary>What this step would refuse, decided without writing anything (no approval is opened, nothing is held).</summary>
    Denial? WouldRefuse(ToolCall call);
}

/// <summary>
/// A check made early, from a read, so that a call bound to fail costs no Stripe request and no write: a fast refusal
/// only. It never lets a call through on its own: the same question is decided again, exactly, under the ledger's lock,
/// when the call starts (<see cref="Ledger.ILedger.StartCallAsync"/>).
/// </summary>
public interface IEarlyCheck : IGovernanceStep;
