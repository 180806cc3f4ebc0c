using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>rateLimits</c>: call counts per agent or role over a rolling window, one per (per, window).</summary>
internal static class RateLimitsSectionReader
{
    private const string Example = "{ \"per\": \"agent\", \"calls\": 30, \"window\": \"minute\" }";

    public static ImmutableArray<RateLimit> Read(ManifestNode? node, FileDiagnostics diagnostics)
    {
        var limits = ListSection.Read(node, diagnostics, "rateLimits", Example, item => ReadOne(item, diagnostics));
        ReportDuplicates(limits, diagnostics);
        return [.. limits.Select(l => l.Item)];
    }

    private static RateLimit? ReadOne(ManifestNode node, FileDiagnostics diagnostics)
    {
        if (ObjectReader.Open(node, ManifestFields.RateLimit, diagnostics, "a rate limit") is not { } limit)
        {
            return null;
        }

        var per = LimitFields.Per(limit, diagnostics);
        var calls = ManifestValues.Integer(
            limit.Required("calls", "how many calls the window allows, e.g. 30"), 1, int.MaxValue, diagnostics, "calls");
        var window = LimitFields.Window(limit, diagnostics);
        var shadow = ManifestValues.Bool(limit.Optional("shadow"), diagnostics, "shadow");
        return per is null || calls is null || window is null ? null : new RateLimit(per.Value, calls.Value, window.Value, shadow ?? false);
    }

    private static void ReportDuplicates(ImmutableArray<(RateLimit Item, JsonPath Path)> limits, FileDiagnostics diagnostics)
    {
        var first = new Dictionary<(LimitScope, RollingWindow), JsonPath>();
        foreach (var (limit, path) in limits)
        {
            if (!first.TryAdd((limit.Per, limit.Window), path))
            {
                diagnostics.Report(
                    path,
                    $"duplicate rate limit: {first[(limit.Per, limit.Window)]} already limits the {limit.Per.Name()} per {limit.Window.Name()}; keep one");
            }
        }
    }
}
