using System.Net;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Console;

/// <summary><c>keybrake-mcp console</c> as its own process (and, in CI, the native build): no MCP endpoint, no Stripe key, the shared ledger.</summary>
[Trait("Category", "Process")]
public sealed class ConsoleProcessTests
{
    [Fact]
    public async Task The_console_command_serves_the_pages_over_the_ledger_to_a_signed_in_operator_only()
    {
        await using var world = await StripeWorld.StartAsync();
        // No Stripe key in the console's environment: it reads and writes the ledger only.
        var environment = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = null };
        var issued = new StringWriter();
        Assert.Equal(0, await KeybrakeCli.RunAsync(["operator", "token", "issue", "alice"], n => world.Env(n), issued, new StringWriter()));
        Assert.Equal(0, await KeybrakeCli.RunAsync(["revoke", "plan-bot", "--reason", "paused"], n => world.Env(n), new StringWriter(), new StringWriter()));

        await using var process = await HttpServerProcess.StartConsoleAsync(environment);
        var baseUrl = new Uri(process.Endpoint.GetLeftPart(UriPartial.Authority));
        using var console = new ConsoleClient(baseUrl);
        Assert.Equal(HttpStatusCode.Redirect, (await console.GetAsync("/")).Status);
        Assert.Equal("/console/sign-in", (await console.GetAsync("/console/")).Response.Headers.Location!.OriginalString);
        using (var signedIn = await console.SignInAsync(issued.ToString().Trim()))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        var agents = await console.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, agents.Status);
        Assert.Matches("data-agent=\"plan-bot\">.*?status-revoked.*?agent:plan-bot: paused", agents.Body);
        Assert.Contains("data-agent=\"refund-bot\"", agents.Body);

        using (var reinstated = await console.PostAsync("/console/agents/reinstate", new() { ["scope"] = "agent:plan-bot" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, reinstated.StatusCode);
        }

        var list = new StringWriter();
        await KeybrakeCli.RunAsync(["agents", "--json"], n => world.Env(n), list, new StringWriter());
        Assert.Contains("\"agent\":\"plan-bot\",\"role\":\"subscriptions\",\"status\":\"active\"", list.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await console.GetAsync("/mcp")).Status);

        // Its /metrics: the ledger's gauges (this process serves no calls), to an operator's token only.
        using var scraper = new HttpClient { BaseAddress = baseUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await scraper.GetAsync("/metrics")).StatusCode);
        scraper.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", issued.ToString().Trim());
        var metrics = "";
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !metrics.Contains("keybrake_budget_utilization{") && waited.Elapsed < TimeSpan.FromSeconds(20);)
        {
            await Task.Delay(200);
            metrics = await scraper.GetStringAsync("/metrics");
        }

        Assert.Contains("keybrake_budget_utilization{", metrics);
        Assert.Contains("role=\"support-refunds\"", metrics);
        Assert.DoesNotContain(issued.ToString().Trim(), process.Stderr);
    }
}
