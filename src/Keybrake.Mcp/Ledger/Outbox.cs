using Dapper;
using Keybrake.Mcp.Notifications;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Writes an event to the notification outbox inside the caller's transaction: the event exists exactly when the change
/// it reports does, whichever process (server, CLI, console) made the change. Sending is the dispatcher's.
/// </summary>
internal static class Outbox
{
    public static Task EnqueueAsync(LedgerSession s, NotificationEvent e) =>
        s.Connection.ExecuteAsync(
            "INSERT INTO notify_event (id, type, at_ms, role, agent, scope, body, fanned_out) VALUES (@id, @type, @at, @role, @agent, @scope, @body, 0)",
            new { id = e.Id, type = e.Type, at = e.Time.ToUnixTimeMilliseconds(), role = e.Role, agent = e.Agent, scope = e.Scope, body = e.Body },
            s.Transaction);
}
