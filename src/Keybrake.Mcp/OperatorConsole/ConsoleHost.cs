using Keybrake.Mcp.Hosting;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Mcp.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>
/// <c>keybrake-mcp console</c> on its own: the console's pages over the shared ledger, with no MCP endpoint and no Stripe
/// key, so it can run on an operator's machine or beside any number of servers on one PostgreSQL ledger.
/// </summary>
public static class ConsoleHost
{
    public static WebApplication Build(ManifestSet manifests, string? manifestsDirectory, LedgerLocation ledger, ConsoleSettings settings, Action<ILoggingBuilder> logging)
    {
        var builder = SlimWebHost.CreateBuilder(settings.Urls, settings.AllowedHosts, logging);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new ManifestSource(manifests));
        // A factory, not an instance: the container then disposes it, closing its kept connections.
        builder.Services.AddSingleton(_ => LedgerDatabases.Open(ledger, new LedgerOptions { FullSync = true }));
        builder.Services.AddSingleton<ILedger>(sp => new SqlLedger(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IApprovalStore>(sp => new SqlApprovals(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(new OriginPolicy(settings.AllowedOrigins));
        if (manifestsDirectory is not null)
        {
            // The console shows the manifests in force: an edit shows up here as it does in the servers.
            builder.Services.AddSingleton(sp => new ManifestReloader(manifestsDirectory, sp.GetRequiredService<ManifestSource>(),
                sp.GetRequiredService<ILogger<ManifestReloader>>()));
        }

        builder.Services.AddOperatorConsole();
        var app = builder.Build();
        app.UseHostFiltering();
        var origins = app.Services.GetRequiredService<OriginPolicy>();
        app.Use((context, next) => origins.InvokeAsync(context, next));
        app.MapGet("/", context =>
        {
            context.Response.Redirect(ConsoleSettings.PathBase + "/");
            return Task.CompletedTask;
        });
        app.UseOperatorConsole();
        app.Services.GetService<ManifestReloader>()?.Start();
        return app;
    }
}
