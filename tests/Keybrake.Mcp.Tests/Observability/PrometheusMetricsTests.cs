using System.Diagnostics;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Observability;

/// <summary><c>/metrics</c> of <c>serve --http --console</c>: scraped over HTTP with an operator token, and the text checked by Prometheus' own promtool.</summary>
public sealed class PrometheusMetricsTests
{
    [Fact]
    public async Task Metrics_on_the_consoles_port_serve_the_call_and_ledger_metrics_in_valid_prometheus_text_to_operators_only()
    {
        await using var world = await StripeWorld.StartAsync();
        var inScope = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var outOfScope = world.Stripe.Account.AddPaymentIntent(world.CustomerOutside, 5000, "usd");
        await using var server = await HttpHarness.StartAsync(world, console: true);
        await using (var agent = await server.ConnectAsync(await server.IssueTokenAsync("refund-bot")))
        {
            (await agent.CallToolAsync("issue_refund", new Dictionary<string, object?> { ["payment_intent"] = inScope, ["amount"] = 100 })).AssertSuccess();
            Assert.Equal("not_allowed", (await agent.CallToolAsync("issue_refund", new Dictionary<string, object?> { ["payment_intent"] = outOfScope, ["amount"] = 100 })).ErrorCode());
        }

        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using (var anonymous = await http.GetAsync("/metrics"))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        // An agent's token is no operator's.
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await server.IssueTokenAsync("refund-bot"));
        using (var agentToken = await http.GetAsync("/metrics"))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, agentToken.StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await server.IssueOperatorTokenAsync("prometheus"));
        var text = "";
        for (var waited = Stopwatch.StartNew(); !text.Contains("keybrake_budget_utilization") && waited.Elapsed < TimeSpan.FromSeconds(20);)
        {
            // The exporter caches a scrape briefly: ask again until the ledger's first reading is in.
            await Task.Delay(200);
            text = await http.GetStringAsync("/metrics");
        }

        Assert.Contains("keybrake_calls_total{", text);
        Assert.Contains("outcome=\"denied\"", text);
        Assert.Contains("code=\"not_allowed\"", text);
        Assert.Contains("keybrake_call_duration_seconds_bucket{", text);
        Assert.Contains("keybrake_stripe_duration_seconds_bucket{", text);
        Assert.Contains("keybrake_money_moved_total{", text);
        Assert.Contains("keybrake_money_held{", text);
        Assert.Contains("keybrake_budget_utilization{", text);

        var (exit, output) = await PromtoolAsync(text);
        Assert.True(exit == 0, $"promtool check metrics failed ({exit}):\n{output}\n--- scraped ---\n{text}");
    }

    private static async Task<(int Exit, string Output)> PromtoolAsync(string metrics)
    {
        var start = new ProcessStartInfo("promtool", "check metrics") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail("promtool is not installed: apt-get install -y prometheus (.ci/run installs it)");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardInput.WriteAsync(metrics);
            process.StandardInput.Close();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
