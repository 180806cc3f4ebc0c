using System.Text;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Keybrake.Mcp.OperatorConsole.Html;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>
/// The console's routes under <see cref="ConsoleSettings.PathBase"/>: pages for a signed-in operator, and forms that change
/// something only with the session's CSRF token from a page of this very origin. Every page is built on the server.
/// </summary>
public static class ConsoleEndpoints
{
    private const string NoticeCookie = "keybrake_console_notice";

    /// <summary>The console's services, beside the ledger, approvals and manifests the host already has.</summary>
    public static IServiceCollection AddOperatorConsole(this IServiceCollection services)
    {
        services.AddSingleton(sp => new OperatorCredentials(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new OperatorActions(sp.GetRequiredService<ILedgerDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ConsoleSession>();
        services.AddSingleton<ChainStatus>();
        services.AddSingleton<AgentsPage>();
        services.AddSingleton<BudgetsPage>();
        services.AddSingleton<ApprovalsPage>();
        services.AddSingleton<AuditPage>();
        services.AddSingleton<ConsoleActions>();
        services.AddSingleton<MetricsDoor>();
        // /metrics on the console's port: this process's call metrics (when it serves calls) and the ledger's gauges.
        services.AddKeybrakeMetrics();
        return services;
    }

    /// <summary>The console's pages and, behind an operator's credential, <c>/metrics</c> in Prometheus' format.</summary>
    public static WebApplication UseOperatorConsole(this WebApplication app)
    {
        var door = app.Services.GetRequiredService<MetricsDoor>();
        app.Use((context, next) => door.InvokeAsync(context, next));
        app.MapOperatorConsole();
        app.MapKeybrakeMetrics(MetricsDoor.Path);
        return app;
    }

    private static IEndpointRouteBuilder MapOperatorConsole(this IEndpointRouteBuilder app)
    {
        const string root = ConsoleSettings.PathBase;
        var s = app.ServiceProvider;
        app.MapGet($"{root}/assets/console.css", context => Asset(context, "text/css; charset=utf-8", ConsoleAssets.Css));
        app.MapGet($"{root}/assets/console.js", context => Asset(context, "text/javascript; charset=utf-8", ConsoleAssets.Script));
        app.MapGet($"{root}/sign-in", SignInPageAsync);
        app.MapPost($"{root}/sign-in", SignInAsync);

        var agents = s.GetRequiredService<AgentsPage>();
        var budgets = s.GetRequiredService<BudgetsPage>();
        var approvals = s.GetRequiredService<ApprovalsPage>();
        var audit = s.GetRequiredService<AuditPage>();
        // Routing ignores a trailing slash: this is both /console and /console/.
        app.MapGet(root, Page("Agents", "/", null, (c, who) => agents.RenderAsync(who, c.RequestAborted)));
        app.MapGet($"{root}/budgets", Page("Budgets", "/budgets", BudgetsPage.RefreshSeconds, (c, _) => budgets.RenderAsync(c.RequestAborted)));
        app.MapGet($"{root}/approvals", Page("Approvals", "/approvals", ApprovalsPage.RefreshSeconds, (c, who) => approvals.RenderAsync(who, c.RequestAborted)));
        app.MapGet($"{root}/audit", Page("Audit", "/audit", null, (c, who) => audit.RenderAsync(who, c.Request.Query, c.RequestAborted)));

        var actions = s.GetRequiredService<ConsoleActions>();
        app.MapPost($"{root}/sign-out", Form(actions.SignOutAsync));
        app.MapPost($"{root}/agents/revoke", Form(actions.RevokeAsync));
        app.MapPost($"{root}/agents/reinstate", Form(actions.ReinstateAsync));
        app.MapPost($"{root}/kill-switch", Form(actions.KillSwitchAsync));
        app.MapPost($"{root}/approvals/approve", Form((c, who, form) => actions.DecideAsync(c, who, form, approve: true)));
        app.MapPost($"{root}/approvals/deny", Form((c, who, form) => actions.DecideAsync(c, who, form, approve: false)));
        app.MapPost($"{root}/audit/verify", Form(actions.VerifyChainAsync));
        return app;
    }

    /// <summary>A page for a signed-in operator; anyone else is sent to sign in. A refresh of a live page gets its content only.</summary>
    private static RequestDelegate Page(string title, string section, int? refresh, Func<HttpContext, ConsoleSession.Operator, Task<string>> render) => async context =>
    {
        Secure(context);
        var who = await context.RequestServices.GetRequiredService<ConsoleSession>().CurrentAsync(context);
        if (who is null)
        {
            if (context.Request.Headers.ContainsKey("X-Keybrake-Fragment"))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            context.Response.Redirect($"{ConsoleSettings.PathBase}/sign-in");
            return;
        }

        var main = await render(context, who);
        if (context.Request.Headers["X-Keybrake-Fragment"] == "main")
        {
            context.Response.Headers["X-Keybrake-Fragment"] = "main";
            await WriteHtmlAsync(context, main);
            return;
        }

        var notice = context.Request.Cookies[NoticeCookie];
        if (notice is not null)
        {
            context.Response.Cookies.Delete(NoticeCookie, new CookieOptions { Path = ConsoleSettings.PathBase });
        }

        await WriteHtmlAsync(context, Html.Page(title, section, who, main, refresh, notice));
    };

    /// <summary>
    /// A form that changes something: from a page of this origin (the browser's <c>Origin</c>, else <c>Referer</c>), by a
    /// signed-in operator, carrying the session's CSRF token. It answers with a redirect back and a one-line notice.
    /// </summary>
    private static RequestDelegate Form(Func<HttpContext, ConsoleSession.Operator, IFormCollection, Task<ConsoleActions.Done>> act) => async context =>
    {
        Secure(context);
        if (!FromThisOrigin(context))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "This form was not sent from a page of this console (its Origin differs); nothing was changed.");
            return;
        }

        var who = await context.RequestServices.GetRequiredService<ConsoleSession>().CurrentAsync(context);
        if (who is null)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Sign in first; nothing was changed.");
            return;
        }

        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : FormCollection.Empty;
        if (!ConsoleSession.CsrfMatches(who, form[ConsoleSession.CsrfField]))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "This form's token is not your session's (an old page, or another site's form); nothing was changed.");
            return;
        }

        var done = await act(context, who, form);
        if (done.Status != StatusCodes.Status303SeeOther)
        {
            await RefuseAsync(context, done.Status, done.Message);
            return;
        }

        context.Response.Cookies.Append(NoticeCookie, done.Message, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = ConsoleSettings.PathBase, MaxAge = TimeSpan.FromMinutes(1),
        });
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = ConsoleSettings.PathBase + done.Back;
    };

    private static async Task SignInPageAsync(HttpContext context)
    {
        Secure(context);
        if (await context.RequestServices.GetRequiredService<ConsoleSession>().CurrentAsync(context) is not null)
        {
            context.Response.Redirect(ConsoleSettings.PathBase + "/");
            return;
        }

        await WriteHtmlAsync(context, Html.Page("Sign in", "", null, SignInForm(null)));
    }

    private static async Task SignInAsync(HttpContext context)
    {
        Secure(context);
        if (!FromThisOrigin(context))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "This form was not sent from a page of this console (its Origin differs).");
            return;
        }

        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : FormCollection.Empty;
        var session = context.RequestServices.GetRequiredService<ConsoleSession>();
        if (await session.SignInAsync(context, form["token"]) is not { } name)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("keybrake.console")
                .LogWarning("Console sign-in refused from {Address}: not a live operator token", context.Connection.RemoteIpAddress);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await WriteHtmlAsync(context, Html.Page("Sign in", "", null,
                SignInForm("That is not a live operator token. Operators get one with 'keybrake-mcp operator token issue NAME'; agents' tokens do not sign in here.")));
            return;
        }

        await context.RequestServices.GetRequiredService<OperatorActions>().RecordAsync(name, "sign_in", null, null, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = ConsoleSettings.PathBase + "/";
    }

    private static string SignInForm(string? error) =>
        "<div class=\"signin card\"><h1>Sign in</h1>" + (error is null ? "" : $"<p class=\"error\" role=\"alert\">{E(error)}</p>") +
        $"<form method=\"post\" action=\"{ConsoleSettings.PathBase}/sign-in\"><label>Operator token<input type=\"password\" name=\"token\" autocomplete=\"off\" required autofocus></label>" +
        "<button type=\"submit\" class=\"primary\">Sign in</button></form>" +
        "<p class=\"muted\">An operator token comes from <code>keybrake-mcp operator token issue NAME</code> on a machine with this ledger.</p></div>";

    /// <summary>
    /// Whether a state-changing request comes from a page of this origin. Stricter than <c>/mcp</c>'s rule: another page
    /// on this machine (another port) is another origin, and a request that names no origin at all is refused too.
    /// </summary>
    private static bool FromThisOrigin(HttpContext context)
    {
        var self = $"{context.Request.Scheme}://{context.Request.Host}";
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return string.Equals(origin, self, StringComparison.OrdinalIgnoreCase);
        }

        var referer = context.Request.Headers.Referer.ToString();
        return referer.StartsWith(self + "/", StringComparison.OrdinalIgnoreCase);
    }

    // No framing, no inline script or style, nothing cached, no referrer leaving the console.
    private static void Secure(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; " +
                                        "frame-ancestors 'none'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
    }

    private static Task Asset(HttpContext context, string type, string content)
    {
        Secure(context);
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentType = type;
        return context.Response.WriteAsync(content, context.RequestAborted);
    }

    private static Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return WriteHtmlAsync(context, Html.Page("Refused", "", null, $"<h1>Refused</h1><p class=\"error\" role=\"alert\">{E(message)}</p>" +
                                                                       $"<p><a href=\"{ConsoleSettings.PathBase}/\">Back to the console</a></p>"));
    }

    private static Task WriteHtmlAsync(HttpContext context, string html)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html, Encoding.UTF8, context.RequestAborted);
    }
}
