using System.Net;
using System.Text.RegularExpressions;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// The console as a browser without script sees it, over real HTTP: a cookie jar, no automatic redirects, forms sent
/// with this origin and the page's CSRF token. The real browser (chromium) is in <c>ConsoleBrowserTests</c>.
/// </summary>
public sealed partial class ConsoleClient : IDisposable
{
    private readonly HttpClient _http;

    public ConsoleClient(Uri baseUrl)
    {
        BaseUrl = baseUrl;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = baseUrl };
    }

    public Uri BaseUrl { get; }

    public CookieContainer Cookies { get; } = new();

    /// <summary>This console's own origin, as a browser sends it with a form.</summary>
    public string Origin => BaseUrl.GetLeftPart(UriPartial.Authority);

    /// <summary>The CSRF token of the last page read (every signed-in page carries it in its forms).</summary>
    public string? Csrf { get; private set; }

    public async Task<HttpResponseMessage> SignInAsync(string token) =>
        await PostAsync("/console/sign-in", new() { ["token"] = token }, withCsrf: false);

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string path, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (CsrfField().Match(body) is { Success: true } match)
        {
            Csrf = match.Groups[1].Value;
        }

        return (response.StatusCode, body, response);
    }

    /// <summary>Sends a form as a browser would from a page of <paramref name="origin"/> (default: this console's).</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> fields, bool withCsrf = true, string? origin = null, string? csrf = null)
    {
        if (withCsrf)
        {
            fields["_csrf"] = csrf ?? Csrf ?? "";
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Origin", origin ?? Origin);
        return await _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"_csrf\" value=\"([0-9a-f]+)\"")]
    private static partial Regex CsrfField();
}
