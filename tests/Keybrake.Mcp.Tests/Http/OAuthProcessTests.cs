using System.Net;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Http;

/// <summary>
/// <c>serve --http --auth-issuer</c> as a process (also the native executable in CI): a JWT from a real authorization
/// server calls a tool, a token for another resource is refused, and no token reaches the server's log.
/// </summary>
[Trait("Category", "Process")]
public sealed class OAuthProcessTests
{
    [Fact]
    public async Task Serve_http_with_an_issuer_serves_its_jwt_holders()
    {
        await using var world = await StripeWorld.StartAsync();
        var port = LoopbackPort.Free();
        var resource = new Uri($"http://127.0.0.1:{port}/mcp");
        await using var issuer = await OAuthIssuer.StartAsync(resource, ["refund-bot"]);
        var token = await issuer.TokenAsync("refund-bot");
        var elsewhere = await issuer.TokenAsync("refund-bot", new Uri("http://127.0.0.1:1/mcp"));

        string log;
        await using (var server = await HttpServerProcess.StartAsync(world.Environment(), "--urls", $"http://127.0.0.1:{port}", "--auth-issuer", issuer.Url.ToString()))
        {
            await using (var client = await HttpServerProcess.ConnectAsync(server.Endpoint, token))
            {
                Assert.Contains((await client.ListToolsAsync()), t => t.Name == "issue_refund");
            }

            using var http = new HttpClient();
            using var refused = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, server.Endpoint)
            {
                Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", elsewhere) },
                Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
            });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("resource_metadata=", refused.Headers.WwwAuthenticate.ToString());
            server.Kill();
            log = server.Stderr;
        }

        Assert.Contains($"OAuth access tokens of {issuer.Url.ToString().TrimEnd('/')}", log);
        Assert.DoesNotContain(token.Split('.')[1], log);
        Assert.DoesNotContain(elsewhere.Split('.')[1], log);
    }
}
