using System.Globalization;

namespace Keybrake.Mcp.Bench;

/// <summary>Percentiles over samples in milliseconds, and the table every scenario prints.</summary>
public static class Stats
{
    public static double Percentile(IReadOnlyList<double> samples, double p)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = p / 100 * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static double Median(IReadOnlyList<double> samples) => Percentile(samples, 50);

    public static double Ms(long ticks) => ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency;

    public static string F(double value, int digits = 3) =>
        double.IsNaN(value) ? "-" : value.ToString(value >= 1000 ? "N0" : $"F{digits}", CultureInfo.InvariantCulture);
}

/// <summary>One row of a result table.</summary>
public sealed record Row(string Measure, string Median, string P99, string Ratio, string Target, bool? Pass);

/// <summary>A scenario's result table, printed as markdown so it pastes into the README.</summary>
public sealed class Table(string title)
{
    private readonly List<Row> _rows = [];

    public static List<(string Scenario, Row Row)> All { get; } = [];

    public void Add(string measure, string median, string p99 = "-", string ratio = "-", string target = "-", bool? pass = null)
    {
        var row = new Row(measure, median, p99, ratio, target, pass);
        _rows.Add(row);
        All.Add((title, row));
    }

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("| Measure | Median | p99 | Ratio to baseline | Target | Pass |");
        Console.WriteLine("|---|---:|---:|---:|---|---|");
        foreach (var r in _rows)
        {
            Console.WriteLine($"| {r.Measure} | {r.Median} | {r.P99} | {r.Ratio} | {r.Target} | {(r.Pass is null ? "" : r.Pass.Value ? "pass" : "**FAIL**")} |");
        }

        Console.Out.Flush();
    }
}
