using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;

namespace Keybrake.Mcp.Mcp.Http;

/// <summary>
/// One Streamable HTTP server for many agents at <c>/mcp</c>: bearer tokens name the agent, each session sees only
/// its role's tools, and the ledger's revocations apply on every request.
/// </summary>
public static class KeybrakeHttpServer
{
    private const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    public static WebApplication Build(ManifestSet manifests, KeybrakeOptions options, HttpServerSettings settings, Action<ILoggingBuilder> logging)
    {
        // No reload on change: its file watcher would watch the working folder (and every ledger write in it) recursively.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [NoConfigReload] });
        // appsettings files or ASPNETCORE_ variables of the working folder must not reconfigure a security boundary.
        builder.Configuration.Sources.Clear();
        // OpenTelemetry's own variables, as checked (empty unless an OTLP endpoint is set).
        builder.Configuration.AddInMemoryCollection(options.Telemetry.Enabled ? options.Telemetry.Sdk : []);
        builder.Logging.ClearProviders();
        logging(builder.Logging);
        builder.WebHost.UseUrls(settings.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = HttpServerSettings.MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });

        builder.Services.AddKeybrake(manifests, options);
        builder.Services.AddKeybrakeTelemetry(options.Telemetry);
        builder.Services.AddSingleton(sp => new AgentTokens(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ICallerResolver, ClaimsCaller>();
        builder.Services.AddSingleton(new OriginPolicy(settings.AllowedOrigins));
        builder.Services.AddSingleton<AgentDoor>();
        builder.Services.Configure<HostFilteringOptions>(o =>
        {
            o.AllowedHosts = [.. settings.AllowedHosts];
            o.AllowEmptyHosts = false;
        });
        builder.Services.AddKeybrakeAuthentication(settings.OAuth);
        builder.Services.AddAuthorization();
        builder.Services
            .AddMcpServer(o =>
            {
                o.ServerInfo = McpServerSetup.ServerInfo;
                o.ServerInstructions = McpServerSetup.Instructions;
                ProtocolGuard.Apply(o);
            })
            .WithHttpTransport(o =>
            {
                // Sessions for clients that initialize (tools/list_changed and elicitation need them); per-request
                // service for 2026-07-28 clients, which have no sessions.
                o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
                o.ConfigureSessionOptions = (http, serverOptions, _) =>
                {
                    var agent = http.User.Identity?.Name;
                    var source = http.RequestServices.GetRequiredService<ManifestSource>();
                    serverOptions.ToolCollection = [];
                    if (agent is not null && source.Current.RoleOf(agent) is { } role)
                    {
                        foreach (var tool in McpServerSetup.ToolsFor(role, http.RequestServices.GetRequiredService<ToolRegistry>()))
                        {
                            serverOptions.ToolCollection.Add(tool);
                        }
                    }

                    if (agent is not null)
                    {
                        http.RequestServices.GetRequiredService<LiveToolSets>().Register(agent, serverOptions.ToolCollection);
                    }

                    McpServerSetup.RefuseOtherTools(serverOptions);
                    return Task.CompletedTask;
                };
            });

        var app = builder.Build();
        app.UseHostFiltering();
        var origins = app.Services.GetRequiredService<OriginPolicy>();
        app.Use((context, next) => origins.InvokeAsync(context, next));
        app.UseAuthentication();
        var door = app.Services.GetRequiredService<AgentDoor>();
        app.Use((context, next) => door.InvokeAsync(context, next));
        app.UseAuthorization();
        app.MapMcp("/mcp").RequireAuthorization();
        return app;
    }

    /// <summary>Hosts a loopback-bound server answers to: the names that resolve to it, nothing a rebinding attacker controls.</summary>
    public static IReadOnlyList<string> LoopbackHosts => ["localhost", "127.0.0.1", "[::1]"];
}
