namespace Keybrake.Mcp.Notifications;

/// <summary>
/// One event as the outbox keeps it: whom it concerns (to find the endpoints when it is sent) and the exact JSON body
/// every endpoint receives. The body is built once, when the change it reports is written, and never holds a secret.
/// </summary>
/// <param name="Scope">A revocation's scope (<c>agent:NAME</c>, <c>role:NAME</c>, <c>all</c>); null for other events.</param>
public sealed record NotificationEvent(string Id, string Type, DateTimeOffset Time, string? Role, string? Agent, string? Scope, string Body);
