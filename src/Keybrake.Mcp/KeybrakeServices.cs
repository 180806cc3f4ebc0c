using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Sandbox;
using Keybrake.Mcp.Stripe;
using Keybrake.Mcp.Stripe.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp;

/// <summary>Where a server process finds its manifests, its ledger, its keys and Stripe.</summary>
public sealed record KeybrakeOptions(LedgerLocation Ledger, StripeConnection Stripe, Func<string, string?> Environment)
{
    /// <summary>The manifest folder to watch for edits; null serves the manifests given at start, unchanged.</summary>
    public string? ManifestsDirectory { get; init; }

    /// <summary>Stripe is the embedded simulator (<c>serve --sandbox</c>): every tool result is marked as such.</summary>
    public bool Sandbox { get; init; }

    /// <summary>How notifications are polled, sent and retried.</summary>
    public Notifications.NotificationSettings Notifications { get; init; } = new();
    /// <summary>OpenTelemetry's export settings (<c>OTEL_*</c>); off unless given.</summary>
    public Observability.TelemetrySettings Telemetry { get; init; } = Observability.TelemetrySettings.Off;

    /// <summary>The key that signs audit checkpoints (<c>serve --audit-key</c>); null: this server signs none.</summary>
    public Ledger.Checkpoints.AuditSigningKey? AuditKey { get; init; }

    /// <summary>The tunables, from <see cref="Environment"/> unless given.</summary>
    public ServerSettings Settings { get; init; } = ServerSettings.FromEnvironment(Environment);
}

/// <summary>The one place the governance core, the ledger and the Stripe tools are wired together.</summary>
public static class KeybrakeServices
{
    public static IServiceCollection AddKeybrake(this IServiceCollection services, ManifestSet manifests, KeybrakeOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new ManifestSource(manifests));
        // A factory, not an instance: the container then disposes it, closing its kept connections.
        services.AddSingleton(_ => LedgerDatabases.Open(options.Ledger, new LedgerOptions
        {
            FullSync = options.Settings.FullSync,
        }));
        services.AddSingleton(sp => InstanceIdentity.ForThisProcess(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ILedger>(sp => new SqlLedger(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<InstanceIdentity>()));
        services.AddSingleton(sp => new StripeClients(options.Stripe, options.Environment));
        services.AddStripeTools();
        services.AddSingleton<ToolRegistry>();
        services.AddSingleton<IApprovalStore, SqlApprovals>();
        services.AddSingleton(sp => new Reconciler(
            sp.GetRequiredService<ILedger>(), sp.GetRequiredService<ToolRegistry>(), sp.GetRequiredService<ManifestSource>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Reconciler>>())
        {
            Grace = options.Settings.ReconcileGrace,
        });
        services.AddSingleton(sp => GovernancePipeline.Create(sp.GetRequiredService<ManifestSource>(), sp.GetRequiredService<ToolRegistry>(),
            sp.GetRequiredService<ILedger>(), sp.GetRequiredService<IApprovalStore>(), sp.GetRequiredService<Reconciler>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<Mcp.LiveToolSets>();
        services.AddHostedService(sp => new Hosting.LeaseKeeper(sp.GetRequiredService<ILedger>(), sp.GetRequiredService<InstanceIdentity>(),
            sp.GetRequiredService<Reconciler>(), sp.GetRequiredService<ManifestSource>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Hosting.LeaseKeeper>>())
        {
            Length = options.Settings.LeaseLength,
        });
        services.AddSingleton(sp => new SqlNotificationOutbox(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Notifications.WebhookSender(options.Notifications, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Notifications.NotificationDispatcher(sp.GetRequiredService<SqlNotificationOutbox>(), sp.GetRequiredService<ManifestSource>(),
            sp.GetRequiredService<Notifications.WebhookSender>(), options.Notifications, options.Environment, sp.GetRequiredService<InstanceIdentity>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Notifications.NotificationDispatcher>>()));
        services.AddHostedService(sp => sp.GetRequiredService<Notifications.NotificationDispatcher>());
        services.AddHostedService(sp => new Hosting.IdleMemoryTrimmer(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<ILogger<Hosting.IdleMemoryTrimmer>>()));
        if (options.AuditKey is { } auditKey)
        {
            // One client for every webhook anchor, made like the notifications' (no redirects), disposed with the container.
            services.AddKeyedSingleton("audit-anchors", (_, _) => Notifications.WebhookSender.CreateClient(TimeSpan.FromSeconds(10)));
            services.AddSingleton(sp => new Ledger.Checkpoints.AuditCheckpointer(sp.GetRequiredService<ILedgerDatabase>(), auditKey,
                [.. options.Settings.AuditAnchors.Select(a => Ledger.Checkpoints.CheckpointAnchors.Create(a, Console.Error,
                    sp.GetRequiredKeyedService<HttpClient>("audit-anchors"), sp.GetRequiredService<TimeProvider>()))],
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Ledger.Checkpoints.AuditCheckpointer>>()));
            services.AddHostedService(sp => new Hosting.CheckpointPublisher(sp.GetRequiredService<Ledger.Checkpoints.AuditCheckpointer>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Hosting.CheckpointPublisher>>())
            {
                Interval = options.Settings.AuditCheckpointInterval,
            });
        }

        if (options.ManifestsDirectory is { } directory)
        {
            services.AddSingleton(sp => new ManifestReloader(directory, sp.GetRequiredService<ManifestSource>(), sp.GetRequiredService<ILogger<ManifestReloader>>()));
            services.AddSingleton<Mcp.ManifestReloadService>();
            services.AddHostedService(sp => sp.GetRequiredService<Mcp.ManifestReloadService>());
        }

        if (options.Sandbox)
        {
            services.AddSandboxMarking();
        }

        return services;
    }
}
