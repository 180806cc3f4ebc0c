using System.Net.Http.Headers;
using System.Text;

namespace Keybrake.Mcp.Notifications;

/// <summary>POSTs one signed event to one endpoint, within a short timeout; says what went wrong instead of throwing.</summary>
public sealed class WebhookSender : IDisposable
{
    // Made on the first event: a server whose roles notify nobody (most stdio servers) never builds one.
    private readonly Lazy<HttpClient> client;
    private readonly TimeProvider time;

    public WebhookSender(NotificationSettings settings, TimeProvider time)
    {
        this.time = time;
        client = new Lazy<HttpClient>(() => CreateClient(settings.Timeout));
    }

    /// <summary>
    /// A client for POSTing to endpoints an operator configured (events, audit checkpoints): no redirects, since what is
    /// sent goes to the URL the configuration names and nowhere else; the timeout covers connecting too.
    /// </summary>
    public static HttpClient CreateClient(TimeSpan timeout)
    {
        var http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false, ConnectTimeout = timeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = timeout,
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("keybrake-mcp", typeof(WebhookSender).Assembly.GetName().Version?.ToString(3) ?? "0"));
        return http;
    }

    private HttpClient Http => client.Value;

    /// <summary>Null when the endpoint answered 2xx; else why not (a status, a timeout, a connection failure).</summary>
    public async Task<string?> SendAsync(Uri url, string eventId, string body, string secret, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, time.GetUtcNow(), body));
        request.Headers.Add(WebhookSignature.EventIdHeader, eventId);
        try
        {
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"no answer within {Http.Timeout.TotalSeconds:0.###} s";
        }
        catch (HttpRequestException ex)
        {
            return ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}";
        }
    }

    public void Dispose()
    {
        if (client.IsValueCreated)
        {
            client.Value.Dispose();
        }
    }
}
