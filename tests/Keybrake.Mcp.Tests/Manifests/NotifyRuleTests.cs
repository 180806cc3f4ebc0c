using System.Text.Json.Nodes;
using Keybrake.Mcp.Notifications;
using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>The <c>notify</c> section: one broken value, one error at its path; a good one reads into the model.</summary>
public sealed class NotifyRuleTests
{
    private const string Good = "{\"url\": \"https://hooks.example.com/keybrake\", \"events\": [\"approval_requested\"], \"secretEnv\": \"KEYBRAKE_NOTIFY_SECRET\"}";

    private static JsonObject WithNotify(params string[] entries) => ValidManifest.For("alpha").With("notify", $"[{string.Join(", ", entries)}]");

    [Theory]
    [InlineData("notify", "{}", "$.notify", "\"notify\" must be an array of objects")]
    [InlineData("notify[0]", "\"https://hooks.example.com\"", "$.notify[0]", "a notify entry must be an object")]
    [InlineData("notify[0].url", null, "$.notify[0].url", "required field \"url\" is missing")]
    [InlineData("notify[0].url", "7", "$.notify[0].url", "\"url\" must be a string")]
    [InlineData("notify[0].url", "\"/hooks/keybrake\"", "$.notify[0].url", "is not an absolute http(s) URL")]
    [InlineData("notify[0].url", "\"ftp://hooks.example.com/x\"", "$.notify[0].url", "is not an absolute http(s) URL")]
    [InlineData("notify[0].url", "\"http://hooks.example.com/x\"", "$.notify[0].url", "is plain http: use https (plain http is accepted only for localhost")]
    [InlineData("notify[0].url", "\"https://ops:hunter2@hooks.example.com/x\"", "$.notify[0].url", "carries a user name or password")]
    [InlineData("notify[0].events", null, "$.notify[0].events", "required field \"events\" is missing")]
    [InlineData("notify[0].events", "[]", "$.notify[0].events", "\"events\" is empty")]
    [InlineData("notify[0].events", "\"approval_requested\"", "$.notify[0].events", "\"events\" must be an array")]
    [InlineData("notify[0].events", "[\"approval_request\"]", "$.notify[0].events[0]", "(did you mean \"approval_requested\"?)")]
    [InlineData("notify[0].events", "[\"refund_issued\"]", "$.notify[0].events[0]", "\"refund_issued\" is not a notification event: use one of approval_requested, approval_decided, budget_threshold, agent_revoked, outcome_unknown")]
    [InlineData("notify[0].events", "[\"agent_revoked\", \"agent_revoked\"]", "$.notify[0].events[1]", "listed twice")]
    [InlineData("notify[0].secretEnv", null, "$.notify[0].secretEnv", "required field \"secretEnv\" is missing")]
    [InlineData("notify[0].secretEnv", "\"whsec_5f2b8c0d\"", "$.notify[0].secretEnv", "the secret itself never goes in a manifest")]
    [InlineData("notify[0].secret_env", "\"X\"", "$.notify[0].secret_env", "unknown field \"secret_env\" (did you mean \"secretEnv\"?)")]
    [InlineData("notify[0].headers", "{}", "$.notify[0].headers", "allowed in a notify entry: url, events, secretEnv")]
    public void Reports_the_broken_field_at_its_path(string edit, string? value, string path, string fragment)
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", WithNotify(Good).With(edit, value));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), path, fragment);
    }

    [Fact]
    public void One_url_twice_is_an_error_on_the_second()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", WithNotify(Good, Good.Replace("approval_requested", "agent_revoked")));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), "$.notify[1].url", "is listed twice in \"notify\" (first at $.notify[0])");
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://[::1]:9000/hook")]
    [InlineData("https://hooks.slack.com/services/T000/B000/XXXX")]
    public void Https_anywhere_and_plain_http_on_loopback_are_accepted(string url)
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", WithNotify(Good).With("notify[0].url", $"\"{url}\""));

        var endpoint = Assert.Single(ManifestAssert.Clean(dir.Load()).Roles["alpha"].Notify);
        Assert.Equal(new Uri(url), endpoint.Url);
    }

    [Fact]
    public void A_good_entry_reads_into_the_model()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", WithNotify(Good.Replace("[\"approval_requested\"]", "[\"approval_requested\", \"budget_threshold\"]")));

        var endpoint = Assert.Single(ManifestAssert.Clean(dir.Load()).Roles["alpha"].Notify);
        Assert.Equal("https://hooks.example.com/keybrake", endpoint.Url.AbsoluteUri);
        Assert.Equal([NotificationTypes.ApprovalRequested, NotificationTypes.BudgetThreshold], endpoint.Events);
        Assert.Equal("KEYBRAKE_NOTIFY_SECRET", endpoint.SecretEnv);
        Assert.True(endpoint.Takes(NotificationTypes.BudgetThreshold));
        Assert.False(endpoint.Takes(NotificationTypes.AgentRevoked));
    }

    [Fact]
    public void Without_notify_a_role_has_no_endpoints()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha"));

        Assert.Empty(ManifestAssert.Clean(dir.Load()).Roles["alpha"].Notify);
    }
}
