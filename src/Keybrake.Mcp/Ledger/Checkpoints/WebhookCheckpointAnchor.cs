using System.Net.Http.Headers;

namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>POSTs each checkpoint's line as <c>application/json</c> to a URL; anything but a 2xx answer is a failure.</summary>
public sealed class WebhookCheckpointAnchor(Uri url, HttpClient http) : ICheckpointAnchor
{
    // The query or a user:password may carry a token: logs name the endpoint without them.
    public string Name => url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    public async Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken ct)
    {
        using var content = new StringContent(checkpoint.ToLine());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(url, content, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{Name} answered {(int)response.StatusCode}", null, response.StatusCode);
        }
    }
}
