using System.Text;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// Reads the OTLP protobuf messages the tests receive (opentelemetry-proto's trace and metrics services), with a small
/// protobuf wire-format reader: only the fields the tests look at.
/// </summary>
public static class Otlp
{
    /// <summary>A span as exported: ids in hex, kind as OTLP numbers it (2 = server, 3 = client).</summary>
    public sealed record Span(string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
        IReadOnlyDictionary<string, object> Attributes)
    {
        public override string ToString() =>
            $"{Name} ({Scope}, kind {Kind}, trace {TraceId}, span {SpanId}, parent {ParentSpanId}: {string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"))})";
    }

    /// <summary>A metric as exported: its name, and each data point's attributes.</summary>
    public sealed record Metric(string Scope, string Name, IReadOnlyList<IReadOnlyDictionary<string, object>> Points);

    /// <summary>The spans of one <c>ExportTraceServiceRequest</c>.</summary>
    public static IEnumerable<Span> Spans(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            var service = ServiceName(resourceSpans.Bytes);
            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                var scope = ScopeName(scopeSpans.Bytes);
                foreach (var span in Fields(scopeSpans.Bytes).Where(f => f.Number == 2).Select(f => Fields(f.Bytes).ToList()))
                {
                    yield return new Span(service, scope, Hex(span, 1), Hex(span, 2), Hex(span, 4), Text(span, 5),
                        (int)(span.FirstOrDefault(f => f.Number == 6)?.Varint ?? 0), Attributes(span, 9));
                }
            }
        }
    }

    /// <summary>The metrics of one <c>ExportMetricsServiceRequest</c>.</summary>
    public static IEnumerable<Metric> Metrics(byte[] request)
    {
        foreach (var resourceMetrics in Fields(request).Where(f => f.Number == 1))
        {
            foreach (var scopeMetrics in Fields(resourceMetrics.Bytes).Where(f => f.Number == 2))
            {
                var scope = ScopeName(scopeMetrics.Bytes);
                foreach (var metric in Fields(scopeMetrics.Bytes).Where(f => f.Number == 2).Select(f => Fields(f.Bytes).ToList()))
                {
                    // gauge 5, sum 7, histogram 9: each has its data points in field 1, their attributes in field 7 (9 for histograms).
                    var points = metric.Where(f => f.Number is 5 or 7 or 9)
                        .SelectMany(data => Fields(data.Bytes).Where(p => p.Number == 1)
                            .Select(p => Attributes(Fields(p.Bytes).ToList(), data.Number == 9 ? 9 : 7)))
                        .ToList();
                    yield return new Metric(scope, Text(metric, 1), points);
                }
            }
        }
    }

    private static string ServiceName(byte[] resourceSpans)
    {
        var resource = Fields(resourceSpans).FirstOrDefault(f => f.Number == 1);
        return resource is null ? "" : Attributes(Fields(resource.Bytes).ToList(), 1).GetValueOrDefault("service.name") as string ?? "";
    }

    private static string ScopeName(byte[] scopeContainer) =>
        Fields(scopeContainer).FirstOrDefault(f => f.Number == 1) is { } scope ? Text(Fields(scope.Bytes).ToList(), 1) : "";

    private static Dictionary<string, object> Attributes(List<Field> message, int number)
    {
        var attributes = new Dictionary<string, object>();
        foreach (var keyValue in message.Where(f => f.Number == number).Select(f => Fields(f.Bytes).ToList()))
        {
            var value = keyValue.FirstOrDefault(f => f.Number == 2) is { } any ? Fields(any.Bytes).FirstOrDefault() : null;
            attributes[Text(keyValue, 1)] = value switch
            {
                { Number: 1 } => Encoding.UTF8.GetString(value.Bytes),
                { Number: 2 } => value.Varint != 0,
                { Number: 3 } => (long)value.Varint,
                { Number: 4 } => BitConverter.Int64BitsToDouble((long)value.Varint),
                _ => "",
            };
        }

        return attributes;
    }

    private static string Text(List<Field> message, int number) =>
        message.FirstOrDefault(f => f.Number == number) is { } field ? Encoding.UTF8.GetString(field.Bytes) : "";

    private static string Hex(List<Field> message, int number) =>
        message.FirstOrDefault(f => f.Number == number) is { } field ? Convert.ToHexStringLower(field.Bytes) : "";

    /// <summary>One field: varint, fixed64 and fixed32 values in <see cref="Varint"/>, length-delimited ones in <see cref="Bytes"/>.</summary>
    private sealed record Field(int Number, ulong Varint, byte[] Bytes);

    private static IEnumerable<Field> Fields(byte[] message)
    {
        var fields = new List<Field>();
        var at = 0;
        while (at < message.Length)
        {
            var tag = ReadVarint(message, ref at);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    fields.Add(new Field(number, ReadVarint(message, ref at), []));
                    break;
                case 1:
                    fields.Add(new Field(number, BitConverter.ToUInt64(message, at), []));
                    at += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref at);
                    fields.Add(new Field(number, 0, message[at..(at + length)]));
                    at += length;
                    break;
                case 5:
                    fields.Add(new Field(number, BitConverter.ToUInt32(message, at), []));
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {tag & 7} at byte {at}");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] message, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
