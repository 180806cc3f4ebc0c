using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Notifications;

/// <summary>
/// The endpoints an event goes to, from the manifests as they are when it is sent: those of the event's role (for an
/// agent's revocation, the role the agent is in; for <c>all</c>, every role) that take its type, one per URL.
/// </summary>
internal static class NotificationRoutes
{
    public static IReadOnlyList<NotifyEndpoint> For(NotificationEvent e, ManifestSet manifests)
    {
        IEnumerable<RoleManifest> roles = e switch
        {
            { Scope: Ledger.RevocationScopes.All } => manifests.Roles.Values,
            { Role: { } role } => manifests.Roles.TryGetValue(role, out var manifest) ? [manifest] : [],
            { Agent: { } agent } => manifests.RoleOf(agent) is { } manifest ? [manifest] : [],
            _ => [],
        };
        return [.. roles.OrderBy(r => r.Role, StringComparer.Ordinal)
            .SelectMany(r => r.Notify)
            .Where(n => n.Takes(e.Type))
            .DistinctBy(n => n.Url.AbsoluteUri, StringComparer.Ordinal)];
    }
}
