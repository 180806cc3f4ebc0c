using Dapper;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Holds, settlements and releases of money: the per-call <c>spend</c> row (while held) and the usage buckets move
/// together, in the caller's transaction, so a budget check always sees every hold.
/// </summary>
internal static class SpendBook
{
    /// <summary>The bucket series a hold is added to, per scope: those of the budgets in its currency (all if none).</summary>
    public static (int AgentMask, int RoleMask) Masks(IEnumerable<Budget> budgets, string currency)
    {
        int agent = 0, role = 0;
        foreach (var budget in budgets.Where(b => b.Limit.Currency.Code == currency))
        {
            var bit = 1 << UsageBuckets.SeriesOf(budget.Window);
            if (budget.Per == LimitScope.Agent)
            {
                agent |= bit;
            }
            else
            {
                role |= bit;
            }
        }

        // The day series always: `spend` and `agents` report the last 24 h whatever the budgets are.
        return (agent | 1 << 2, role | 1 << 2);
    }

    public static async Task HoldAsync(LedgerSession s, string callId, CallIdentity who, string currency, long amount, IEnumerable<Budget> budgets, long now)
    {
        var (agentMask, roleMask) = Masks(budgets, currency);
        await s.Connection.ExecuteAsync("INSERT INTO spend (call_id, agent, role, currency, amount_minor, at_ms, agent_mask, role_mask) " +
            "VALUES (@callId, @agent, @role, @currency, @amount, @now, @agentMask, @roleMask)",
            new { callId, agent = who.Agent, role = who.Role, currency, amount, now, agentMask, roleMask }, s.Transaction);
        await AddAsync(s, who, currency, agentMask, roleMask, now, amount);
    }

    /// <summary>
    /// Replaces a hold with the money actually moved (null: the amount held) in the usage buckets, and drops the hold:
    /// from here on the buckets and the audit row carry the amount, and the spend table only ever holds what is held.
    /// </summary>
    public static async Task SettleAsync(LedgerSession s, string callId, long? moved)
    {
        var row = await s.Connection.QueryFirstOrDefaultAsync<SpendRow>(
            "DELETE FROM spend WHERE call_id = @callId RETURNING agent, role, currency, amount_minor, at_ms, agent_mask, role_mask",
            new { callId }, s.Transaction);
        if (row is null)
        {
            return;
        }

        var amount = moved ?? row.AmountMinor;
        if (amount != row.AmountMinor)
        {
            await AddAsync(s, new CallIdentity(row.Agent, row.Role), row.Currency, row.AgentMask, row.RoleMask, row.AtMs, amount - row.AmountMinor);
        }
    }

    /// <summary>Releases a hold: nothing moved.</summary>
    public static Task ReleaseAsync(LedgerSession s, string callId) => SettleAsync(s, callId, moved: 0);

    /// <summary>Moves an approval's hold to the call that uses it.</summary>
    public static Task TransferAsync(LedgerSession s, string fromId, string toCallId) =>
        s.Connection.ExecuteAsync("UPDATE spend SET call_id = @toCallId WHERE call_id = @fromId", new { toCallId, fromId }, s.Transaction);

    private static async Task AddAsync(LedgerSession s, CallIdentity who, string currency, int agentMask, int roleMask, long at, long delta)
    {
        await UsageBuckets.AddAsync(s, $"agent:{who.Agent}", UsageBuckets.Spend, currency, agentMask, at, delta);
        await UsageBuckets.AddAsync(s, $"role:{who.Role}", UsageBuckets.Spend, currency, roleMask, at, delta);
    }
}

/// <summary>A held amount, as the <c>spend</c> table keeps it.</summary>
internal sealed record SpendRow(string Agent, string Role, string Currency, long AmountMinor, long AtMs, int AgentMask, int RoleMask);
