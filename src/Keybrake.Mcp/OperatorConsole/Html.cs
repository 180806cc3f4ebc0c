using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>The console's markup: escaping, the page frame, and the small pieces every page shares.</summary>
internal static class Html
{
    /// <summary>Text as HTML (every value from the ledger, the manifests or a request goes through here).</summary>
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? $"<time datetime=\"{t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\">" +
                        $"{t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC</time>" : "never";

    public static string Amount(long minor, string currency) => E(MoneyAmount.Format(minor, Currency.Get(currency)));

    /// <summary>A hidden field carrying the session's CSRF token: every form that changes something has one.</summary>
    public static string Csrf(string token) => $"<input type=\"hidden\" name=\"{ConsoleSession.CsrfField}\" value=\"{E(token)}\">";

    /// <summary>A whole page: the navigation, who is signed in, and the page's own content in <c>main</c>.</summary>
    public static string Page(string title, string active, ConsoleSession.Operator? signedIn, string main, int? refreshSeconds = null, string? notice = null)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append($"<title>{E(title)} · Keybrake console</title><link rel=\"stylesheet\" href=\"{ConsoleSettings.PathBase}/assets/console.css\">")
            .Append($"<script src=\"{ConsoleSettings.PathBase}/assets/console.js\" defer></script></head><body>")
            .Append("<header><strong>Keybrake</strong> console");
        if (signedIn is { } who)
        {
            html.Append("<nav>");
            foreach (var (path, label) in Sections)
            {
                html.Append($"<a href=\"{ConsoleSettings.PathBase}{path}\"{(path == active ? " aria-current=\"page\"" : "")}>{label}</a>");
            }

            html.Append($"</nav><form method=\"post\" action=\"{ConsoleSettings.PathBase}/sign-out\" class=\"who\">{Csrf(who.CsrfToken)}")
                .Append($"<span>signed in as <b>{E(who.Name)}</b></span> <button type=\"submit\">Sign out</button></form>");
        }

        html.Append("</header>");
        if (notice is not null)
        {
            html.Append($"<p class=\"notice\" role=\"status\">{E(notice)}</p>");
        }

        html.Append($"<main{(refreshSeconds is { } s ? $" data-refresh=\"{s}\"" : "")}>").Append(main).Append("</main></body></html>");
        return html.ToString();
    }

    /// <summary>
    /// A used / held / remaining bar, widths in whole percent of the limit (integers only, like the ledger), as classes
    /// (<c>w0</c>..<c>w100</c>): the content security policy allows no inline style.
    /// </summary>
    public static string Bar(long settled, long held, long limit)
    {
        static long Percent(long part, long whole) => whole <= 0 ? 100 : Math.Clamp(part * 100 / whole, 0, 100);
        var used = Percent(settled, limit);
        var heldPart = Math.Min(100 - used, Percent(held, limit));
        var level = Percent(settled + held, limit) >= 100 ? "full" : Percent(settled + held, limit) >= 80 ? "high" : "ok";
        return $"<div class=\"bar {level}\" role=\"img\" aria-label=\"{Percent(settled + held, limit)}% used or held\">" +
               $"<span class=\"used w{used}\"></span><span class=\"held w{heldPart}\"></span></div>";
    }

    private static readonly (string Path, string Label)[] Sections =
    [
        ("/", "Agents"), ("/budgets", "Budgets"), ("/approvals", "Approvals"), ("/audit", "Audit"),
    ];
}
