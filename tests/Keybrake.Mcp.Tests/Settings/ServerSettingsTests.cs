using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Settings;

public sealed class ServerSettingsTests
{
    [Fact]
    public void Unset_variables_give_the_documented_defaults()
    {
        var settings = ServerSettings.FromEnvironment(_ => null);

        Assert.Null(settings.StripeApiBase);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.StripeTimeout);
        Assert.Equal(2, settings.StripeNetworkRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.StripeRetryBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(120), settings.ReconcileGrace);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.LeaseLength);
        Assert.False(settings.FullSync);
        Assert.Null(settings.AuditKey);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.AuditCheckpointInterval);
        Assert.Equal(["stderr"], settings.AuditAnchors);
    }

    [Fact]
    public void Audit_checkpoint_variables_are_read()
    {
        var env = new Dictionary<string, string?>
        {
            ["KEYBRAKE_AUDIT_KEY"] = "/etc/keybrake/audit-key.pem", ["KEYBRAKE_AUDIT_CHECKPOINT_SECONDS"] = "60",
            ["KEYBRAKE_AUDIT_ANCHORS"] = "/var/lib/anchor/checkpoints.jsonl, https://anchor.example/in, syslog, syslog:/run/systemd/journal/dev-log, stderr",
        };

        var settings = ServerSettings.FromEnvironment(n => env.GetValueOrDefault(n));

        Assert.Equal("/etc/keybrake/audit-key.pem", settings.AuditKey);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.AuditCheckpointInterval);
        Assert.Equal(["/var/lib/anchor/checkpoints.jsonl", "https://anchor.example/in", "syslog", "syslog:/run/systemd/journal/dev-log", "stderr"], settings.AuditAnchors);
    }

    [Fact]
    public void Set_variables_are_read()
    {
        var env = new Dictionary<string, string?>
        {
            ["KEYBRAKE_STRIPE_API_BASE"] = "http://127.0.0.1:12111", ["KEYBRAKE_STRIPE_TIMEOUT_MS"] = "1500", ["KEYBRAKE_STRIPE_MAX_RETRIES"] = "0",
            ["KEYBRAKE_STRIPE_RETRY_BASE_MS"] = "5", ["KEYBRAKE_RECONCILE_GRACE_SECONDS"] = "0", ["KEYBRAKE_LEASE_SECONDS"] = "3", ["KEYBRAKE_DB_SYNCHRONOUS"] = "FULL",
        };

        var settings = ServerSettings.FromEnvironment(n => env.GetValueOrDefault(n));

        Assert.Equal(new Uri("http://127.0.0.1:12111"), settings.StripeApiBase);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), settings.StripeTimeout);
        Assert.Equal(0, settings.StripeNetworkRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(5), settings.StripeRetryBaseDelay);
        Assert.Equal(TimeSpan.Zero, settings.ReconcileGrace);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.LeaseLength);
        Assert.True(settings.FullSync);
    }

    [Theory]
    [InlineData("KEYBRAKE_LEASE_SECONDS", "0")]
    [InlineData("KEYBRAKE_LEASE_SECONDS", "twenty")]
    [InlineData("KEYBRAKE_STRIPE_TIMEOUT_MS", "-5")]
    [InlineData("KEYBRAKE_STRIPE_MAX_RETRIES", "99")]
    [InlineData("KEYBRAKE_RECONCILE_GRACE_SECONDS", "2m")]
    [InlineData("KEYBRAKE_DB_SYNCHRONOUS", "off")]
    [InlineData("KEYBRAKE_STRIPE_API_BASE", "localhost:12111")]
    [InlineData("KEYBRAKE_AUDIT_CHECKPOINT_SECONDS", "0")]
    [InlineData("KEYBRAKE_AUDIT_ANCHORS", "checkpoints.jsonl")]
    [InlineData("KEYBRAKE_AUDIT_ANCHORS", "syslog:relative.sock")]
    public async Task A_bad_value_stops_every_command_and_names_the_variable(string name, string value)
    {
        var env = new Dictionary<string, string?> { [name] = value };

        var thrown = Assert.Throws<SettingsException>(() => ServerSettings.FromEnvironment(n => env.GetValueOrDefault(n)));
        var (code, output, error) = await InProcessCli.RunAsync(env, "validate");

        Assert.Equal($"{name}: '{value}' is not", thrown.Problems.Single()[..($"{name}: '{value}' is not".Length)]);
        Assert.Equal(2, code);
        Assert.StartsWith($"{name}: '{value}' is not", error);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("KEYBRAKE_LOG_LEVEL", "loud")]
    [InlineData("KEYBRAKE_DB", "mysql://keybrake@db/keybrake")]
    public async Task The_CLIs_own_variables_are_checked_in_the_same_place(string name, string value)
    {
        var env = new Dictionary<string, string?> { [name] = value };

        var (code, _, error) = await InProcessCli.RunAsync(env, "agents");

        Assert.Equal(2, code);
        Assert.StartsWith($"{name}: ", error);
        Assert.Contains(name == "KEYBRAKE_DB" ? "mysql" : "'loud' is not one of trace", error);
    }

    [Fact]
    public void The_CLIs_own_variables_are_read_when_set()
    {
        var env = new Dictionary<string, string?> { ["KEYBRAKE_DB"] = "/tmp/x.db", ["KEYBRAKE_MANIFESTS"] = "/etc/keybrake", ["KEYBRAKE_LOG_LEVEL"] = "info" };

        var settings = ServerSettings.FromEnvironment(n => env.GetValueOrDefault(n));

        Assert.Equal(("/tmp/x.db", "/etc/keybrake", Microsoft.Extensions.Logging.LogLevel.Information), (settings.Database, settings.Manifests, settings.LogLevel));
        Assert.Equal((null, null, null), (ServerSettings.FromEnvironment(_ => null).Database, ServerSettings.FromEnvironment(_ => null).Manifests,
            (Microsoft.Extensions.Logging.LogLevel?)ServerSettings.FromEnvironment(_ => null).LogLevel));
    }

    [Fact]
    public void Every_bad_value_is_named_at_once()
    {
        var env = new Dictionary<string, string?> { ["KEYBRAKE_LEASE_SECONDS"] = "x", ["KEYBRAKE_STRIPE_TIMEOUT_MS"] = "y" };

        var thrown = Assert.Throws<SettingsException>(() => ServerSettings.FromEnvironment(n => env.GetValueOrDefault(n)));

        Assert.Equal(["KEYBRAKE_STRIPE_TIMEOUT_MS", "KEYBRAKE_LEASE_SECONDS"], thrown.Problems.Select(p => p[..p.IndexOf(':')]));
    }
}
