using System.Text;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>The console's one stylesheet and one script, served from its own path (the content security policy allows nothing inline).</summary>
internal static class ConsoleAssets
{
    public static readonly string Css = """
        :root { --fg:#1b1f24; --muted:#5b6470; --line:#d8dde3; --accent:#2457c5; --used:#2457c5; --held:#e0a100; --bad:#b42318; --ok:#1a7f37; }
        * { box-sizing: border-box; }
        body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:#f6f7f9; }
        header { display:flex; gap:24px; align-items:center; padding:10px 24px; background:#fff; border-bottom:1px solid var(--line); }
        header nav { display:flex; gap:4px; flex:1; }
        header nav a { padding:6px 10px; border-radius:6px; color:var(--fg); text-decoration:none; }
        header nav a[aria-current=page] { background:#e8eefc; color:var(--accent); font-weight:600; }
        .who { display:flex; gap:8px; align-items:center; color:var(--muted); }
        main { padding:16px 24px 48px; max-width:1280px; }
        h1 { font-size:20px; margin:8px 0 16px; } h2 { font-size:16px; margin:24px 0 8px; }
        table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
        th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
        th { font-size:12px; text-transform:uppercase; color:var(--muted); letter-spacing:.03em; }
        td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
        code, .mono { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12.5px; }
        button { font:inherit; padding:4px 10px; border:1px solid var(--line); border-radius:6px; background:#fff; cursor:pointer; }
        button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
        button.danger { background:var(--bad); border-color:var(--bad); color:#fff; }
        input, select { font:inherit; padding:3px 6px; border:1px solid var(--line); border-radius:6px; }
        form.inline { display:inline-flex; gap:6px; align-items:center; margin:0; }
        .status-active { color:var(--ok); } .status-revoked { color:var(--bad); font-weight:600; }
        .outcome-denied, .outcome-failed { color:var(--bad); } .outcome-unknown { color:var(--held); font-weight:600; } .outcome-allowed { color:var(--ok); }
        .notice { margin:12px 24px 0; padding:8px 12px; background:#e9f6ec; border:1px solid #b7e1c1; border-radius:6px; }
        .error { margin:12px 0; padding:8px 12px; background:#fdecea; border:1px solid #f5c2bd; border-radius:6px; }
        .muted { color:var(--muted); }
        .card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; margin:0 0 12px; }
        .card dl { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:8px 0; }
        .card dt { color:var(--muted); } .card dd { margin:0; }
        .card details { margin:4px 0 10px; }
        .danger-zone { border-color:#f5c2bd; }
        .bar { position:relative; display:flex; height:14px; width:100%; min-width:160px; background:#eef1f4; border-radius:7px; overflow:hidden; }
        .bar .used { background:var(--used); } .bar .held { background:var(--held); }
        .bar.high .used { background:#c4620a; } .bar.full .used { background:var(--bad); }
        .legend .bar-key { display:inline-block; width:10px; height:10px; border-radius:2px; margin:0 4px 0 12px; vertical-align:middle; }
        .bar-key.used { background:var(--used); } .bar-key.held { background:var(--held); }
        .chain-ok { color:var(--ok); font-weight:600; } .chain-broken { color:var(--bad); font-weight:600; }
        .signin { max-width:420px; margin:64px auto; }
        .signin input { width:100%; margin:8px 0 12px; }
        """ + Widths();

    /// <summary>
    /// Live pages (<c>main[data-refresh]</c>) re-read their content every few seconds, unless the operator is typing in one of
    /// its fields; nothing else runs in the page.
    /// </summary>
    public const string Script = """
        "use strict";
        (() => {
          const main = document.querySelector("main[data-refresh]");
          if (!main) return;
          const every = Math.max(2, Number(main.dataset.refresh)) * 1000;
          const busy = () => main.contains(document.activeElement) && document.activeElement.matches("input, select, textarea")
            || [...main.querySelectorAll("input[type=text]")].some(i => i.value !== "");
          setInterval(async () => {
            if (busy() || document.hidden) return;
            const response = await fetch(location.href, { headers: { "X-Keybrake-Fragment": "main" }, credentials: "same-origin" });
            if (response.ok && response.headers.get("X-Keybrake-Fragment") === "main") main.innerHTML = await response.text();
            else if (response.status === 401 || response.redirected) location.reload();
          }, every);
        })();
        """;

    private static string Widths()
    {
        var css = new StringBuilder();
        for (var i = 0; i <= 100; i++)
        {
            css.Append($".w{i}{{width:{i}%}}");
        }

        return css.ToString();
    }
}
