using System.Collections.Concurrent;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Agents this process last saw refused for a spent budget. Only their money calls pay for the early budget read that
/// refuses before Stripe is asked anything; everyone else's go straight on, and the check under the ledger's write
/// lock decides as always. A budget spent by another process costs one full refusal here before the hint is set.
/// </summary>
public sealed class SpentBudgetHints
{
    private readonly ConcurrentDictionary<CallIdentity, bool> _spent = new();

    public bool Suspected(CallIdentity who) => _spent.ContainsKey(who);

    public void Spent(CallIdentity who) => _spent[who] = true;

    public void HasRoom(CallIdentity who) => _spent.TryRemove(who, out _);
}
