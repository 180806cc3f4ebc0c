using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Hosting;

namespace Keybrake.Mcp.Mcp;

/// <summary>Runs the manifest reloader for a server's lifetime and brings live sessions' tool lists along.</summary>
public sealed class ManifestReloadService(ManifestReloader reloader, LiveToolSets live, ToolRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        reloader.Reloaded += set => live.Refresh(set, registry);
        reloader.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        reloader.Dispose();
        return Task.CompletedTask;
    }
}
