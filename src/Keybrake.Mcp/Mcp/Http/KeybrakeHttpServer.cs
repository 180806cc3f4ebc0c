using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Hosting;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.OperatorConsole;
using Keybrake.Mcp.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
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
    public static WebApplication Build(ManifestSet manifests, KeybrakeOptions options, HttpServerSettings settings, Action<ILoggingBuilder> logging)
    {
        var builder = SlimWebHost.CreateBuilder(settings.Urls, settings.AllowedHosts, logging);
        // OpenTelemetry's own variables, as checked (empty unless an OTLP endpoint is set).
        builder.Configuration.AddInMemoryCollection(options.Telemetry.Enabled ? options.Telemetry.Sdk : []);
        builder.Services.AddKeybrake(manifests, options);
        builder.Services.AddKeybrakeTelemetry(options.Telemetry);
        builder.Services.AddSingleton(sp => new AgentTokens(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ICallerResolver, ClaimsCaller>();
        builder.Services.AddSingleton(new OriginPolicy(settings.AllowedOrigins));
        builder.Services.AddSingleton<AgentDoor>();
        builder.Services.AddKeybrakeAuthentication(settings.OAuth);
        builder.Services.AddAuthorization();
        if (settings.Console)
        {
            builder.Services.AddOperatorConsole();
        }
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
        if (settings.Console)
        {
            // The console's pages take no agent credential: they answer to an operator's session cookie only.
            app.UseOperatorConsole();
        }

        return app;
    }

    /// <summary>Hosts a loopback-bound server answers to: the names that resolve to it, nothing a rebinding attacker controls.</summary>
    public static IReadOnlyList<string> LoopbackHosts => SlimWebHost.LoopbackHosts;
}
