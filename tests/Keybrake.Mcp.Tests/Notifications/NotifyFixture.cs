using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Notifications;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keybrake.Mcp.Tests.Notifications;

/// <summary>
/// The real governance pipeline over a real SQLite ledger (fake clock, fake tool), a role whose <c>notify</c> points at
/// a real local endpoint, and a dispatcher run pass by pass so retries are driven by the clock, not by sleeping.
/// </summary>
public sealed class NotifyFixture : IAsyncDisposable
{
    public const string Secret = "whsec_notify_test_6b1f0e";
    public const string SecretEnv = "KEYBRAKE_NOTIFY_SECRET";

    private readonly List<IDisposable> _owned = [];

    private NotifyFixture(PipelineFixture pipeline, WebhookReceiver? receiver, Uri url)
    {
        Pipeline = pipeline;
        Receiver = receiver;
        Url = url;
    }

    public PipelineFixture Pipeline { get; }

    public WebhookReceiver? Receiver { get; private set; }

    public Uri Url { get; }

    public NotificationSettings Settings { get; private set; } = new() { FirstRetry = TimeSpan.FromSeconds(1), MaxRetry = TimeSpan.FromSeconds(8), Timeout = TimeSpan.FromSeconds(5) };

    public IReadOnlyDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>
    {
        [SecretEnv] = Secret, ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = "rk_test_notify_key_not_for_payloads",
    };

    public static RoleManifest Role(string agentBudget, Uri url, params string[] events) => Roles.Refunds(agentBudget: agentBudget, grant: new ToolGrant
    {
        MaxAmount = MoneyAmount.Parse("200.00 USD"),
        ApprovalAbove = MoneyAmount.Parse("100.00 USD"),
    }) with
    {
        Approvals = new ApprovalSettings(ApprovalChannel.Operator, TimeSpan.FromMinutes(15)),
        Notify = [new NotifyEndpoint(url, events.Length == 0 ? [.. NotificationTypes.All] : [.. events], SecretEnv)],
    };

    /// <summary>With the endpoint up (failing its first <paramref name="failFirst"/> POSTs), or down when <paramref name="up"/> is false.</summary>
    public static async Task<NotifyFixture> StartAsync(string agentBudget = "500.00 USD", int failFirst = 0, bool up = true, NotificationSettings? settings = null)
    {
        var receiver = up ? await WebhookReceiver.StartAsync(failFirst) : null;
        var url = receiver?.Url ?? new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/hooks/keybrake");
        var fixture = new NotifyFixture(new PipelineFixture(Role(agentBudget, url)), receiver, url);
        fixture.Settings = settings ?? fixture.Settings;
        return fixture;
    }

    /// <summary>Brings the endpoint up on its URL (after it was down).</summary>
    public async Task BringUpAsync() => Receiver = await WebhookReceiver.StartAsync(port: Url.Port);

    /// <summary>A dispatcher over the ledger file, on its own connection (as another process or a restarted one would be).</summary>
    public NotificationDispatcher Dispatcher(string instance = "test-instance")
    {
        var database = new SqliteDatabase(Pipeline.Database.Path);
        var sender = new WebhookSender(Settings, Pipeline.Clock);
        _owned.Add(database);
        _owned.Add(sender);
        return new NotificationDispatcher(new SqlNotificationOutbox(database, Pipeline.Clock), Pipeline.Manifests, sender, Settings,
            name => Environment.GetValueOrDefault(name), new InstanceIdentity(instance, "test-host", 1, Pipeline.Clock.GetUtcNow()),
            Pipeline.Clock, NullLogger<NotificationDispatcher>.Instance);
    }

    /// <summary>Runs passes until one attempts nothing (everything due is sent or scheduled later).</summary>
    public static async Task DrainAsync(NotificationDispatcher dispatcher)
    {
        while (await dispatcher.RunOnceAsync(CancellationToken.None) > 0)
        {
        }
    }

    public SqlNotificationOutbox Outbox => new(Pipeline.Database, Pipeline.Clock);

    public static JsonObject Refund(long amount, string requestId) => new() { ["payment_intent"] = "pi_1", ["amount"] = amount, ["request_id"] = requestId };

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }

        Pipeline.Dispose();
    }
}
