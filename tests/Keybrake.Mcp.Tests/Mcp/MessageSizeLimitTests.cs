using System.Text;
using Keybrake.Mcp.Mcp;
using Keybrake.Mcp.Mcp.Stdio;

namespace Keybrake.Mcp.Tests.Mcp;

/// <summary>The stdio size limit: lines within it pass byte for byte; a longer one becomes a small request carrying its id.</summary>
public sealed class MessageSizeLimitTests
{
    private static async Task<string[]> ThroughAsync(string input, int limit, int readSize = 7)
    {
        // Small reads from the inner stream too: lines arrive in pieces, as from a pipe.
        using var limited = new MessageSizeLimit(new TrickleStream(Encoding.UTF8.GetBytes(input), readSize), limit);
        using var reader = new StreamReader(limited, Encoding.UTF8);
        return (await reader.ReadToEndAsync()).Split('\n');
    }

    [Fact]
    public async Task Lines_within_the_limit_pass_unchanged()
    {
        var lines = await ThroughAsync("{\"id\":1,\"method\":\"a\"}\n{\"id\":2}\nlast-without-newline", 64);
        Assert.Equal(["{\"id\":1,\"method\":\"a\"}", "{\"id\":2}", "last-without-newline"], lines);
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":17,\"method\":\"tools/call\",\"params\":{\"t\":\"PAD\"}}", "17")]
    [InlineData("{\"method\":\"tools/call\",\"params\":{\"id\":99,\"t\":\"PAD\"},\"jsonrpc\":\"2.0\",\"id\":\"req-5\"}", "\"req-5\"")]
    [InlineData("{\"method\":\"tools/call\",\"params\":{\"t\":\"PAD\\\",\\\"id\\\":3\"},\"id\" : 12 }", "12")]
    public async Task A_longer_line_becomes_a_too_large_request_with_its_id(string template, string id)
    {
        var line = template.Replace("PAD", new string('x', 500));
        var lines = await ThroughAsync(line + "\n{\"id\":3}\n", 200);

        Assert.Equal($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"{ProtocolGuard.TooLargeMethod}\",\"params\":{{\"bytes\":{Encoding.UTF8.GetByteCount(line)}}}}}", lines[0]);
        Assert.Equal("{\"id\":3}", lines[1]);
    }

    [Fact]
    public async Task A_longer_line_without_an_id_becomes_a_notification()
    {
        var lines = await ThroughAsync("{\"method\":\"x\",\"params\":\"" + new string('y', 300) + "\"}\n", 100);
        Assert.StartsWith($"{{\"jsonrpc\":\"2.0\",\"method\":\"{ProtocolGuard.TooLargeNotification}\"", lines[0]);
    }

    [Fact]
    public async Task A_line_at_the_limit_passes_with_either_line_ending_and_one_byte_more_does_not()
    {
        const string line = "{\"id\":12}"; // 9 bytes
        Assert.Equal([line, ""], await ThroughAsync(line + "\n", 9));
        Assert.Equal([line + "\r", ""], await ThroughAsync(line + "\r\n", 9));
        Assert.Contains(ProtocolGuard.TooLargeMethod, (await ThroughAsync(line + " \n", 9))[0]);
        Assert.Contains(ProtocolGuard.TooLargeMethod, (await ThroughAsync(line + " \r\n", 9))[0]);
    }

    [Fact]
    public async Task A_longer_last_line_without_a_newline_is_answered_too()
    {
        var lines = await ThroughAsync("{\"id\":7,\"params\":\"" + new string('x', 300) + "\"}", 100);
        Assert.Contains($"\"id\":7,\"method\":\"{ProtocolGuard.TooLargeMethod}\"", lines[0]);
    }

    [Theory]
    [InlineData("-3", "-3")]
    [InlineData("\"abc\"", "\"abc\"")]
    public async Task Negative_and_string_ids_are_recovered(string id, string expected)
    {
        var lines = await ThroughAsync($"{{\"params\":\"{new string('x', 300)}\",\"id\":{id}}}\n", 100);
        Assert.Contains($"\"id\":{expected},", lines[0]);
    }

    /// <summary>Hands out its bytes a few at a time.</summary>
    private sealed class TrickleStream(byte[] bytes, int step) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(step, buffer.Length)], cancellationToken);
    }
}
