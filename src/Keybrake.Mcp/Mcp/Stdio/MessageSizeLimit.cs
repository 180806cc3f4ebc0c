using System.Globalization;
using System.Text;

namespace Keybrake.Mcp.Mcp.Stdio;

/// <summary>
/// Standard input with a size limit per message (one JSON-RPC message per line), as HTTP has one per body: a longer line
/// is never handed on whole. It is dropped and replaced by a small request of <see cref="ProtocolGuard.TooLargeMethod"/>
/// carrying its id (found by scanning the dropped bytes), which the server answers with an error, and it keeps serving.
/// Without this, one line of a gigabyte would be buffered whole before it could be refused.
/// </summary>
public sealed class MessageSizeLimit(Stream inner, int limit = MessageSizeLimit.DefaultLimit) : Stream
{
    /// <summary>1 MiB, the same limit as a Streamable HTTP request body.</summary>
    public const int DefaultLimit = 1024 * 1024;

    private readonly byte[] _chunk = new byte[16 * 1024];
    private readonly MemoryStream _line = new();
    private readonly TopLevelIdScanner _id = new();
    private byte[] _ready = [];
    private int _readyOffset;
    private long _dropped;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_readyOffset == _ready.Length)
        {
            if (_ended)
            {
                return 0;
            }

            // Console streams ignore cancellation: stop waiting for them when the server stops.
            var read = await inner.ReadAsync(_chunk, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                // A last line without a newline goes on as it is (if it is within the limit).
                _ended = true;
                _ready = _dropped > 0 || Oversized(_line.GetBuffer().AsSpan(0, (int)_line.Length))
                    ? Replacement(IdOf(_line.GetBuffer().AsSpan(0, (int)_line.Length)), _dropped + _line.Length)
                    : _line.ToArray();
                _readyOffset = 0;
                continue;
            }

            Accept(_chunk.AsSpan(0, read));
        }

        var n = Math.Min(buffer.Length, _ready.Length - _readyOffset);
        _ready.AsSpan(_readyOffset, n).CopyTo(buffer.Span);
        _readyOffset += n;
        return n;
    }

    private void Accept(ReadOnlySpan<byte> bytes)
    {
        var output = new MemoryStream();
        while (!bytes.IsEmpty)
        {
            var newline = bytes.IndexOf((byte)'\n');
            var part = newline < 0 ? bytes : bytes[..newline];
            if (_dropped > 0)
            {
                _id.Feed(part);
                _dropped += part.Length;
            }
            // One byte over the limit is let through until the newline shows whether it was a CR (CRLF line ends).
            else if (_line.Length + part.Length > limit + 1)
            {
                // Over the limit: what was kept of the line is only scanned for its id, and so is the rest of it.
                _id.Feed(_line.GetBuffer().AsSpan(0, (int)_line.Length));
                _id.Feed(part);
                _dropped = _line.Length + part.Length;
                _line.SetLength(0);
            }
            else
            {
                _line.Write(part);
            }

            if (newline < 0)
            {
                break;
            }

            if (_dropped > 0)
            {
                output.Write(Replacement(_id.Id, _dropped));
                _dropped = 0;
            }
            else if (Oversized(_line.GetBuffer().AsSpan(0, (int)_line.Length)))
            {
                output.Write(Replacement(IdOf(_line.GetBuffer().AsSpan(0, (int)_line.Length)), _line.Length));
            }
            else
            {
                _line.WriteByte((byte)'\n');
                output.Write(_line.GetBuffer().AsSpan(0, (int)_line.Length));
            }

            _line.SetLength(0);
            _id.Reset();
            bytes = bytes[(newline + 1)..];
        }

        _ready = output.ToArray();
        _readyOffset = 0;
    }

    // The slack byte was not a CR: the line is one byte over.
    private bool Oversized(ReadOnlySpan<byte> line) => line.Length > limit && !(line.Length == limit + 1 && line[^1] == (byte)'\r');

    private string? IdOf(ReadOnlySpan<byte> line)
    {
        _id.Feed(line);
        return _id.Id;
    }

    private static byte[] Replacement(string? id, long bytes)
    {
        var size = bytes.ToString(CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(id is null
            ? $"{{\"jsonrpc\":\"2.0\",\"method\":\"{ProtocolGuard.TooLargeNotification}\",\"params\":{{\"bytes\":{size}}}}}\n"
            : $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"{ProtocolGuard.TooLargeMethod}\",\"params\":{{\"bytes\":{size}}}}}\n");
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
