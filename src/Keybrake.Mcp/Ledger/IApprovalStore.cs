using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Ledger;

/// <summary>Approvals as the governance pipeline and the CLI use them; see <see cref="SqlApprovals"/>.</summary>
public interface IApprovalStore
{
    Task<ApprovalRecord?> FindAsync(string fingerprint, CancellationToken ct);

    Task<ApprovalRequestResult> RequestAsync(CallIdentity who, string tool, string fingerprint, string arguments, MoneyAmount amount,
        IReadOnlyList<Budget> budgets, TimeSpan expiresAfter, ApprovalSubject subject, CancellationToken ct);

    Task<ApprovalRecord?> DecideAsync(string id, bool approve, string by, string? reason, TimeSpan window, CancellationToken ct);

    Task<IReadOnlyList<ApprovalRecord>> ListAsync(bool all, CancellationToken ct);

    /// <summary>One approval by id, whatever its status; null when none has it.</summary>
    Task<ApprovalRecord?> GetAsync(string id, CancellationToken ct);

    /// <summary>The <paramref name="count"/> newest approvals of any status, newest first.</summary>
    Task<IReadOnlyList<ApprovalRecord>> ListLatestAsync(int count, CancellationToken ct);
}
