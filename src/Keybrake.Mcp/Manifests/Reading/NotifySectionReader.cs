using System.Collections.Immutable;
using System.Net;
using Keybrake.Mcp.Notifications;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>notify</c>: the webhook endpoints that receive the role's events, each signed with a secret named by an environment variable.</summary>
internal static class NotifySectionReader
{
    private const string Example = "{ \"url\": \"https://hooks.example.com/keybrake\", \"events\": [\"approval_requested\"], \"secretEnv\": \"KEYBRAKE_NOTIFY_SECRET\" }";
    private const string SecretEnvExample = "\"KEYBRAKE_NOTIFY_SECRET\"";

    public static ImmutableArray<NotifyEndpoint> Read(ManifestNode? node, FileDiagnostics diagnostics)
    {
        var endpoints = ListSection.Read(node, diagnostics, "notify", Example, item => ReadEndpoint(item, diagnostics));
        var seen = new Dictionary<string, JsonPath>(StringComparer.Ordinal);
        foreach (var (endpoint, path) in endpoints)
        {
            // One entry per URL: two would deliver one event twice, signed with different secrets.
            if (!seen.TryAdd(endpoint.Url.AbsoluteUri, path))
            {
                diagnostics.Report(path.Property("url"), $"\"{endpoint.Url}\" is listed twice in \"notify\" (first at {seen[endpoint.Url.AbsoluteUri]}): merge the two entries' events");
            }
        }

        return [.. endpoints.Select(e => e.Item)];
    }

    private static NotifyEndpoint? ReadEndpoint(ManifestNode item, FileDiagnostics diagnostics)
    {
        if (ObjectReader.Open(item, ManifestFields.Notify, diagnostics, "a notify entry") is not { } entry)
        {
            return null;
        }

        var url = Url(entry.Required("url", "the https URL that receives the events, e.g. \"https://hooks.example.com/keybrake\""), diagnostics);
        var events = ManifestValues.StringSet(
            entry.Required("events", $"list the events to send, from {string.Join(", ", NotificationTypes.All)}"),
            diagnostics,
            "events",
            "[\"approval_requested\", \"agent_revoked\"]",
            (node, name) =>
            {
                if (NotificationTypes.All.Contains(name, StringComparer.Ordinal))
                {
                    return true;
                }

                diagnostics.Report(node.Path,
                    $"\"{name}\" is not a notification event{Suggestions.DidYouMean(name, NotificationTypes.All)}: use one of {string.Join(", ", NotificationTypes.All)}");
                return false;
            });
        var secretNode = entry.Required("secretEnv", $"name the environment variable holding the secret that signs the events, e.g. {SecretEnvExample}");
        var secretEnv = ManifestValues.Matching(secretNode, ManifestPatterns.KeyEnvRegex(), diagnostics, "secretEnv",
            $"name an environment variable with upper-case letters, digits and underscores, e.g. {SecretEnvExample}; the secret itself never goes in a manifest");
        return url is null || events is not { Length: > 0 } list || secretEnv is null ? null : new NotifyEndpoint(url, [.. list.Select(e => e.Text)], secretEnv);
    }

    // Events name agents, amounts and approval ids: they travel encrypted, except to this machine itself.
    private static Uri? Url(ManifestNode? node, FileDiagnostics diagnostics)
    {
        var text = ManifestValues.String(node, diagnostics, "url");
        if (text is null)
        {
            return null;
        }

        var path = node!.Value.Path;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            diagnostics.Report(path, $"\"{text}\" is not an absolute http(s) URL: write e.g. \"https://hooks.example.com/keybrake\"");
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            diagnostics.Report(path, $"\"{uri.Scheme}://...@{uri.Authority}\" carries a user name or password: credentials never go in a manifest; let the receiver check the Keybrake-Signature header instead");
            return null;
        }

        if (uri.Scheme == "http" && !IsLoopback(uri))
        {
            diagnostics.Report(path, $"\"{text}\" is plain http: use https (plain http is accepted only for localhost, 127.0.0.1 and [::1])");
            return null;
        }

        return uri;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}
