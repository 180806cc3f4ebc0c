using System.Collections.Concurrent;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe;

/// <summary>One Stripe.net client per role, each with that role's key. Never a global key: roles must not share one.</summary>
public sealed class StripeClients(StripeConnection connection, Func<string, string?> env) : IDisposable
{
    private readonly ConcurrentDictionary<string, StripeClient> _clients = new();
    private readonly HttpClient _http = new(connection.Handler ?? new SocketsHttpHandler(), disposeHandler: connection.Handler is null) { Timeout = connection.Timeout };

    /// <summary>Retries of "not now" answers, shared by every tool.</summary>
    public StripeRetry Retry { get; } = new(connection, TimeProvider.System);

    /// <summary>The client for a role; the key is read from the role's <c>keyEnv</c>.</summary>
    public StripeClient For(RoleManifest role) => _clients.GetOrAdd(role.Stripe.KeyEnv, keyEnv =>
    {
        var key = env(keyEnv);
        if (StripeKeyCheck.Problem(role, key) is { } problem)
        {
            throw new RoleKeyUnavailableException(problem);
        }

        return new StripeClient(new StripeClientOptions
        {
            ApiKey = key!,
            ApiBase = connection.ApiBase?.ToString().TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(_http, connection.MaxNetworkRetries),
        });
    });

    public void Dispose() => _http.Dispose();
}

/// <summary>The role's key is missing or of the wrong kind; its calls are refused until an operator fixes it.</summary>
public sealed class RoleKeyUnavailableException(string message) : Exception(message);
