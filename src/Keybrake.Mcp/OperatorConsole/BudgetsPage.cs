using System.Text;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using static Keybrake.Mcp.OperatorConsole.Html;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>Every budget of every role as a bar: used (settled), held (in flight, unknown or awaiting approval) and remaining, live.</summary>
public sealed class BudgetsPage(ManifestSource manifests, ILedger ledger)
{
    /// <summary>Seconds between the page's refreshes of itself.</summary>
    public const int RefreshSeconds = 5;

    public async Task<string> RenderAsync(CancellationToken ct)
    {
        var html = new StringBuilder("<h1>Budgets</h1><p class=\"legend muted\">Rolling windows: the last day is the last 24 hours.")
            .Append("<span class=\"bar-key used\"></span>used<span class=\"bar-key held\"></span>held</p>");
        var any = false;
        foreach (var role in manifests.Current.Roles.Values.OrderBy(r => r.Role, StringComparer.Ordinal))
        {
            if (role.Budgets.IsEmpty)
            {
                continue;
            }

            any = true;
            html.Append($"<h2>{E(role.Role)}</h2><table class=\"budgets\" data-role=\"{E(role.Role)}\"><thead><tr><th>Who</th><th>Window</th><th>Use</th>")
                .Append("<th>Used</th><th>Held</th><th>Remaining</th><th>Limit</th></tr></thead><tbody>");
            foreach (var u in await ledger.ReadUsageAsync(role, ct))
            {
                var currency = u.Budget.Limit.Currency;
                html.Append($"<tr data-budget=\"{E(u.Agent ?? "(role)")}:{u.Budget.Window.Name()}:{currency.Code}\"><td>{(u.Agent is { } a ? E(a) : "<i>whole role</i>")}</td>")
                    .Append($"<td>{u.Budget.Window.Name()}{(u.Budget.Shadow ? " <span class=\"muted\">(shadow)</span>" : "")}</td>")
                    .Append($"<td>{Bar(u.SettledMinor, u.HeldMinor, u.Budget.Limit.Minor)}</td>")
                    .Append($"<td class=\"num used\">{E(MoneyAmount.Format(u.SettledMinor, currency))}</td><td class=\"num held\">{E(MoneyAmount.Format(u.HeldMinor, currency))}</td>")
                    .Append($"<td class=\"num remaining\">{E(MoneyAmount.Format(u.RemainingMinor, currency))}</td><td class=\"num\">{E(u.Budget.Limit.ToString())}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        if (!any)
        {
            html.Append("<p class=\"muted\">No role has a budget: money-moving tools are limited only by their per-call <code>maxAmount</code>.</p>");
        }

        return html.ToString();
    }
}
