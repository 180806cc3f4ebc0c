using System.Security.Cryptography;
using System.Text;
using Keybrake.Mcp.Ledger;
using Microsoft.AspNetCore.Http;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>
/// Who is signed in to the console: a session cookie (<c>HttpOnly</c>, <c>SameSite=Strict</c>, scoped to the console's
/// path) whose value is a session credential in the ledger, so a sign-in works on every instance and survives restarts,
/// and revoking the operator's token ends it. Forms carry a CSRF token derived from the session's secret.
/// </summary>
public sealed class ConsoleSession(OperatorCredentials credentials)
{
    public const string CookieName = "keybrake_console";
    public const string CsrfField = "_csrf";

    /// <summary>A signed-in operator, and the token their forms must carry.</summary>
    public sealed record Operator(string Name, string SessionId, string CsrfToken);

    /// <summary>The operator this request's session cookie belongs to, or null.</summary>
    public async Task<Operator?> CurrentAsync(HttpContext context)
    {
        var value = context.Request.Cookies[CookieName];
        return await credentials.ValidateAsync(value, OperatorCredentials.Session, context.RequestAborted) is { } session
            ? new Operator(session.Operator, session.Id, CsrfFor(value!))
            : null;
    }

    /// <summary>Signs in with an operator token: a new session and its cookie; null when the token is not a live operator token.</summary>
    public async Task<string?> SignInAsync(HttpContext context, string? token)
    {
        if (await credentials.SignInAsync(token?.Trim(), ConsoleSettings.SessionLifetime, context.RequestAborted) is not { } started)
        {
            return null;
        }

        context.Response.Cookies.Append(CookieName, started.Value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = ConsoleSettings.PathBase,
            MaxAge = ConsoleSettings.SessionLifetime,
            IsEssential = true,
        });
        return started.Info.Operator;
    }

    /// <summary>Ends this request's session in the ledger and clears its cookie.</summary>
    public async Task SignOutAsync(HttpContext context, Operator who)
    {
        await credentials.RevokeAsync(who.SessionId, context.RequestAborted);
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = ConsoleSettings.PathBase });
    }

    /// <summary>Whether a form's CSRF token is this session's, compared in constant time.</summary>
    public static bool CsrfMatches(Operator who, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(who.CsrfToken), Encoding.ASCII.GetBytes(presented));

    // Derived from the session's secret, so it needs no storage and a page of another session cannot forge it.
    private static string CsrfFor(string sessionValue) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("keybrake-console-csrf|" + sessionValue)))[..32];
}
