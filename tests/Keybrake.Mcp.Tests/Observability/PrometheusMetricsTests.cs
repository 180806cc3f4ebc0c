using System.Diagnostics;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Observability;
using Keybrake.Mcp.Stripe;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Tests.Observability;

/// <summary><c>MapKeybrakeMetrics</c> on a real Kestrel host: scraped over HTTP, and the text checked by Prometheus' own promtool.</summary>
public sealed class PrometheusMetricsTests
{
    [Fact]
    public async Task Metrics_endpoint_serves_the_call_and_ledger_metrics_in_valid_prometheus_text()
    {
        await using var world = await StripeWorld.StartAsync();
        var inScope = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var outOfScope = world.Stripe.Account.AddPaymentIntent(world.CustomerOutside, 5000, "usd");
        var env = world.Environment();
        await new SqliteDatabase(world.DatabasePath).MigrateAsync(CancellationToken.None);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddKeybrake(ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!, new KeybrakeOptions(
            LedgerLocation.Parse(world.DatabasePath), StripeConnection.FromEnvironment(n => env.GetValueOrDefault(n)), n => env.GetValueOrDefault(n)));
        builder.Services.AddKeybrakeMetrics();
        await using var app = builder.Build();
        app.MapKeybrakeMetrics();
        await app.StartAsync();

        var pipeline = app.Services.GetRequiredService<GovernancePipeline>();
        Assert.False((await pipeline.RunAsync("refund-bot", "issue_refund", new JsonObject { ["payment_intent"] = inScope, ["amount"] = 100 }, default)).IsError);
        Assert.True((await pipeline.RunAsync("refund-bot", "issue_refund", new JsonObject { ["payment_intent"] = outOfScope, ["amount"] = 100 }, default)).IsError);

        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
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
        await app.StopAsync();
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
