using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Keybrake.StripeSimulator.Http;

/// <summary>Stripe's flattened form parameters (<c>items[0][price]=...</c>) in the order they were sent.</summary>
internal sealed class FormParams
{
    private readonly Dictionary<string, string> _values;

    private FormParams(Dictionary<string, string> values) => _values = values;

    public IReadOnlyDictionary<string, string> Values => _values;

    public static FormParams Empty { get; } = new([]);

    public static async Task<FormParams> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.Method != HttpMethods.Post)
        {
            return Parse(request.QueryString.Value?.TrimStart('?') ?? "");
        }
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return Parse(await reader.ReadToEndAsync(ct).ConfigureAwait(false));
    }

    public static FormParams Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            // curl-style "expand[]=a&expand[]=b" becomes the indexed form Stripe.net sends.
            if (key.EndsWith("[]", StringComparison.Ordinal))
            {
                var n = counters.GetValueOrDefault(key);
                counters[key] = n + 1;
                key = key[..^2] + "[" + n.ToString(CultureInfo.InvariantCulture) + "]";
            }
            values[key] = value;
        }
        return new FormParams(values);
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    public bool Has(string key) => _values.ContainsKey(key);

    public string? Get(string key) => _values.GetValueOrDefault(key);

    public string Require(string key) =>
        Get(key) is { Length: > 0 } v ? v : throw StripeApiException.Missing(key);

    public long? GetLong(string key)
    {
        if (Get(key) is not { } raw)
        {
            return null;
        }
        return long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw StripeApiException.Invalid($"Invalid integer: {raw}", "parameter_invalid_integer", key);
    }

    public long? GetPositiveLong(string key)
    {
        var v = GetLong(key);
        return v is null or > 0
            ? v
            : throw StripeApiException.Invalid("This value must be greater than or equal to 1.", "parameter_invalid_integer", key);
    }

    public bool? GetBool(string key) => Get(key) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var raw => throw StripeApiException.Invalid($"Invalid boolean: {raw}", "parameter_invalid_boolean", key),
    };

    /// <summary>Values of <c>prefix[0]</c>, <c>prefix[1]</c>, ... until the first gap.</summary>
    public IReadOnlyList<string> List(string prefix)
    {
        var result = new List<string>();
        while (Get($"{prefix}[{result.Count}]") is { } v)
        {
            result.Add(v);
        }
        return result;
    }

    /// <summary>Indexes N for which any <c>prefix[N][...]</c> key was sent.</summary>
    public IReadOnlyList<int> Indexes(string prefix)
    {
        var found = new SortedSet<int>();
        foreach (var key in _values.Keys)
        {
            if (key.StartsWith(prefix + "[", StringComparison.Ordinal))
            {
                var end = key.IndexOf(']', prefix.Length + 1);
                if (end > 0 && int.TryParse(key.AsSpan(prefix.Length + 1, end - prefix.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    found.Add(n);
                }
            }
        }
        return [.. found];
    }

    /// <summary>Sub-keys of a hash parameter: <c>metadata[a]=1</c> gives <c>a → 1</c>.</summary>
    public IReadOnlyDictionary<string, string> Hash(string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in _values)
        {
            if (key.Length > prefix.Length + 2 && key.StartsWith(prefix + "[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                result[key[(prefix.Length + 1)..^1]] = value;
            }
        }
        return result;
    }

    /// <summary>Canonical text of the parameters, used to compare idempotent retries.</summary>
    public string Fingerprint()
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in _values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(key).Append('=').Append(value).Append('\n');
        }
        return sb.ToString();
    }
}
