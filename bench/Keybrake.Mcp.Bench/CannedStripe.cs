using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// A zero-latency Stripe on 127.0.0.1: canned JSON for the three requests a refund makes (payment intent, charge,
/// refund), answered at once. Both the governed call and the bare Stripe.net baseline talk to it.
/// </summary>
public sealed class CannedStripe : IAsyncDisposable
{
    public const string PaymentIntent = "pi_bench0000000000000001";
    public const string Charge = "ch_bench0000000000000001";
    private long _refunds;
    private long _refundedMinor;
    private readonly WebApplication _app;

    private CannedStripe(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Refunds created, and their total in minor units: the overshoot check counts what Stripe was asked to move.</summary>
    public long Refunds => Interlocked.Read(ref _refunds);

    public long RefundedMinor => Interlocked.Read(ref _refundedMinor);

    public void ResetCounts()
    {
        Interlocked.Exchange(ref _refunds, 0);
        Interlocked.Exchange(ref _refundedMinor, 0);
    }

    public static async Task<CannedStripe> StartAsync()
    {
        // No config reload: its file watcher would watch the working folder, ledger files included, recursively.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var stripe = new CannedStripe(app);
        const string intent = $$"""{"id":"{{PaymentIntent}}","object":"payment_intent","amount":100000000000,"amount_received":100000000000,"currency":"usd","status":"succeeded","latest_charge":"{{Charge}}","customer":"cus_bench","livemode":false}""";
        const string charge = $$"""{"id":"{{Charge}}","object":"charge","amount":100000000000,"amount_captured":100000000000,"amount_refunded":0,"captured":true,"paid":true,"refunded":false,"currency":"usd","status":"succeeded","payment_intent":"{{PaymentIntent}}","customer":"cus_bench","livemode":false}""";
        app.MapGet("/v1/payment_intents/{id}", (HttpContext http) => Json(http, intent));
        app.MapGet("/v1/charges/{id}", (HttpContext http) => Json(http, charge));
        app.MapGet("/v1/account", (HttpContext http) => Json(http, """{"id":"acct_bench","object":"account"}"""));
        app.MapPost("/v1/refunds", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            var amount = long.TryParse(form["amount"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) ? a : 100000000000;
            var n = Interlocked.Increment(ref stripe._refunds);
            Interlocked.Add(ref stripe._refundedMinor, amount);
            await Json(http, $$"""{"id":"re_bench{{n}}","object":"refund","amount":{{amount}},"currency":"usd","status":"succeeded","payment_intent":"{{PaymentIntent}}","charge":"{{Charge}}","metadata":{},"created":1764244800}""");
        });
        app.MapFallback((HttpContext http) =>
        {
            http.Response.StatusCode = 404;
            return Json(http, """{"error":{"type":"invalid_request_error","message":"the canned Stripe only answers refunds"}}""");
        });
        await app.StartAsync();
        stripe.BaseUrl = app.Urls.First();
        return stripe;
    }

    private static Task Json(HttpContext http, string body)
    {
        http.Response.ContentType = "application/json";
        http.Response.Headers["Request-Id"] = "req_bench";
        return http.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
