using System.Diagnostics.Metrics;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Observability;

/// <summary>
/// <c>keybrake.money.held</c> and <c>keybrake.budget.utilization</c>: read from the ledger on a timer of their own and
/// observed from the last reading, so neither a call nor a scrape waits for the ledger. Registered only when metrics go
/// somewhere. The ledger is shared, so every instance reports the same totals: aggregate them with max, not sum.
/// </summary>
public sealed class LedgerGauges : BackgroundService
{
    /// <summary>How often the ledger is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly ILedger _ledger;
    private readonly ManifestSource _manifests;
    private readonly TimeProvider _time;
    private readonly ILogger<LedgerGauges> _logger;
    // Its own meter of the same name: the gauges live and die with this service, not with the process.
    private readonly Meter _meter = new(KeybrakeTelemetry.Name);
    private volatile Reading _last = new([], []);

    public LedgerGauges(ILedger ledger, ManifestSource manifests, TimeProvider time, ILogger<LedgerGauges> logger)
    {
        (_ledger, _manifests, _time, _logger) = (ledger, manifests, time, logger);
        _meter.CreateObservableGauge("keybrake.money.held", () => _last.Held, "{minor_unit}",
            "Money held for calls whose outcome is not settled yet, in minor units, by currency (read from the ledger every few seconds).");
        _meter.CreateObservableGauge("keybrake.budget.utilization", () => _last.Utilization, "1",
            "Used (settled and held) over limit of each budget, by role, scope (agent or role), agent, window and currency.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        do
        {
            try
            {
                _last = await ReadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The last reading stays; a ledger that is down is reported by the calls it refuses.
                _logger.LogWarning(ex, "Could not read the ledger for the money and budget gauges");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    private async Task<Reading> ReadAsync(CancellationToken ct)
    {
        // Zero for every budget currency too: a series that exists before money is first held, and drops back to 0.
        var amounts = _manifests.Current.Roles.Values.SelectMany(r => r.Budgets).Select(b => b.Limit.Currency.Code).Distinct()
            .ToDictionary(code => code, _ => 0L, StringComparer.Ordinal);
        foreach (var held in await _ledger.ReadHeldAsync(ct))
        {
            amounts[held.Currency] = held.AmountMinor;
        }

        var holds = amounts.Select(a => new Measurement<long>(a.Value, new KeyValuePair<string, object?>("currency", a.Key))).ToList();
        var utilization = new List<Measurement<double>>();
        foreach (var role in _manifests.Current.Roles.Values)
        {
            foreach (var usage in await _ledger.ReadUsageAsync(role, ct))
            {
                var limit = usage.Budget.Limit;
                utilization.Add(new Measurement<double>(limit.Minor == 0 ? 1 : (double)usage.UsedMinor / limit.Minor,
                    new KeyValuePair<string, object?>("role", usage.Role),
                    new KeyValuePair<string, object?>("per", usage.Budget.Per == LimitScope.Agent ? "agent" : "role"),
                    new KeyValuePair<string, object?>("agent", usage.Agent ?? ""),
                    new KeyValuePair<string, object?>("window", usage.Budget.Window.Name()),
                    new KeyValuePair<string, object?>("currency", limit.Currency.Code)));
            }
        }

        return new Reading(holds, utilization);
    }

    private sealed record Reading(IReadOnlyList<Measurement<long>> Held, IReadOnlyList<Measurement<double>> Utilization);
}
