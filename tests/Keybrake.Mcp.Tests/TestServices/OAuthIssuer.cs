using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// A real authorization server on 127.0.0.1: node-oidc-provider (tests/oauth/issuer.mjs) with the client-credentials
/// grant, resource indicators and JWT access tokens. Each client id is an agent name; its secret is <c>secret-ID</c>.
/// </summary>
public sealed class OAuthIssuer : IAsyncDisposable
{
    private readonly Process _process;
    private static readonly HttpClient Http = new();

    private OAuthIssuer(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The issuer (its <c>iss</c>), e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Url { get; }

    public static string Folder => Path.Combine(BuiltTool.RepoRoot, "tests", "oauth");

    /// <param name="resource">The resource tokens are for unless a request names another.</param>
    /// <param name="clients">Client ids (agent names, or names no manifest lists).</param>
    public static async Task<OAuthIssuer> StartAsync(Uri resource, IEnumerable<string> clients, int tokenSeconds = 300)
    {
        await NodeClients.EnsureInstalledAsync(Folder);
        var start = new ProcessStartInfo("node", ["issuer.mjs", $"resource={resource}", $"clients={string.Join(',', clients)}", $"ttl={tokenSeconds}"])
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(line?.StartsWith("http://127.0.0.1:", StringComparison.Ordinal) == true, $"issuer.mjs did not start: {line}");
        return new OAuthIssuer(process, new Uri(line!));
    }

    /// <summary>An access token for a client, by the client-credentials grant (RFC 8707 <c>resource</c> when given).</summary>
    public async Task<string> TokenAsync(string client, Uri? resource = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = client, ["client_secret"] = $"secret-{client}", ["scope"] = "mcp",
        };
        if (resource is not null)
        {
            form["resource"] = resource.ToString();
        }

        using var response = await Http.PostAsync(new Uri(Url, "/token"), new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"the issuer refused a token for {client}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }


    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
