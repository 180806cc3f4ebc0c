using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Stripe;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// A zero-latency Stripe: canned JSON for the three requests a refund makes (payment intent, charge, refund), answered
/// at once, both on 127.0.0.1 (Kestrel, <see cref="BaseUrl"/>) and in-process (<see cref="Handler"/>, no sockets). The
/// governed call and the bare Stripe.net baseline always talk to the same one.
/// </summary>
public sealed class CannedStripe : IAsyncDisposable
{
    public const string PaymentIntent = "pi_bench0000000000000001";
    public const string Charge = "ch_bench0000000000000001";
    private const string Intent = $$"""{"id":"{{PaymentIntent}}","object":"payment_intent","amount":100000000000,"amount_received":100000000000,"currency":"usd","status":"succeeded","latest_charge":"{{Charge}}","customer":"cus_bench","livemode":false}""";
    private const string ChargeJson = $$"""{"id":"{{Charge}}","object":"charge","amount":100000000000,"amount_captured":100000000000,"amount_refunded":0,"captured":true,"paid":true,"refunded":false,"currency":"usd","status":"succeeded","payment_intent":"{{PaymentIntent}}","customer":"cus_bench","livemode":false}""";
    private long _refunds;
    private long _refundedMinor;
    private readonly WebApplication _app;

    private CannedStripe(WebApplication app)
    {
        _app = app;
        Handler = new InProcess(this);
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>The same Stripe as an <see cref="HttpMessageHandler"/>: what a call costs without the HTTP server and sockets.</summary>
    public HttpMessageHandler Handler { get; }

    /// <summary>Refunds created, and their total in minor units: the overshoot check counts what Stripe was asked to move.</summary>
    public long Refunds => Interlocked.Read(ref _refunds);

    public long RefundedMinor => Interlocked.Read(ref _refundedMinor);

    /// <summary>A bare Stripe.net client (the baseline) to this Stripe, in-process or over 127.0.0.1.</summary>
    public StripeClient BareClient(bool inProcess) => new(new StripeClientOptions
    {
        ApiKey = BenchWorld.Key,
        ApiBase = BaseUrl.TrimEnd('/'),
        HttpClient = new SystemNetHttpClient(inProcess ? new HttpClient(Handler, disposeHandler: false) : new HttpClient(), 0),
    });

    /// <summary>What the governed refund asks Stripe, made with bare Stripe.net: GET payment intent, GET charge, POST refund.</summary>
    public static async Task BareRefundAsync(StripeClient client)
    {
        var intent = await client.V1.PaymentIntents.GetAsync(PaymentIntent);
        await client.V1.Charges.GetAsync(intent.LatestChargeId);
        await client.V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = PaymentIntent, Amount = 100, Reason = "requested_by_customer",
            Metadata = new Dictionary<string, string> { ["keybrake_call"] = "call_x", ["keybrake_agent"] = "refund-bot" },
        }, new RequestOptions { IdempotencyKey = $"kb_{Guid.NewGuid():N}" });
    }

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
        app.Run(async http =>
        {
            var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null;
            var (status, body) = stripe.Answer(http.Request.Method, http.Request.Path.Value ?? "", name => form?[name].ToString());
            http.Response.StatusCode = (int)status;
            http.Response.ContentType = "application/json";
            http.Response.Headers["Request-Id"] = "req_bench";
            await http.Response.WriteAsync(body);
        });
        await app.StartAsync();
        stripe.BaseUrl = app.Urls.First();
        return stripe;
    }

    private (HttpStatusCode Status, string Body) Answer(string method, string path, Func<string, string?> form)
    {
        if (method == "GET" && path.StartsWith("/v1/payment_intents/", StringComparison.Ordinal))
        {
            return (HttpStatusCode.OK, Intent);
        }

        if (method == "GET" && path.StartsWith("/v1/charges/", StringComparison.Ordinal))
        {
            return (HttpStatusCode.OK, ChargeJson);
        }

        if (method == "GET" && path == "/v1/account")
        {
            return (HttpStatusCode.OK, """{"id":"acct_bench","object":"account"}""");
        }

        if (method == "POST" && path == "/v1/refunds")
        {
            var amount = long.TryParse(form("amount"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) ? a : 100000000000;
            var n = Interlocked.Increment(ref _refunds);
            Interlocked.Add(ref _refundedMinor, amount);
            return (HttpStatusCode.OK, $$"""{"id":"re_bench{{n}}","object":"refund","amount":{{amount}},"currency":"usd","status":"succeeded","payment_intent":"{{PaymentIntent}}","charge":"{{Charge}}","metadata":{},"created":1764244800}""");
        }

        return (HttpStatusCode.NotFound, """{"error":{"type":"invalid_request_error","message":"the canned Stripe only answers refunds"}}""");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class InProcess(CannedStripe stripe) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var (status, body) = stripe.Answer(request.Method.Method, request.RequestUri!.AbsolutePath, name => FormValue(form, name));
            var response = new HttpResponseMessage(status) { RequestMessage = request, Content = new StringContent(body, Encoding.UTF8, "application/json") };
            response.Headers.Add("Request-Id", "req_bench");
            return response;
        }

        private static string? FormValue(string form, string name)
        {
            foreach (var pair in form.Split('&'))
            {
                var eq = pair.IndexOf('=');
                if (eq > 0 && Uri.UnescapeDataString(pair[..eq]) == name)
                {
                    return Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
                }
            }

            return null;
        }
    }
}
