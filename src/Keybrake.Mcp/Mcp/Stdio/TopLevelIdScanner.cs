using System.Text;

namespace Keybrake.Mcp.Mcp.Stdio;

/// <summary>
/// Finds the top-level <c>"id"</c> of a JSON-RPC message fed to it in pieces, without keeping the message: clients
/// often write the id last, after a large <c>params</c>. Only a number or a string id is taken (what JSON-RPC allows);
/// anything unexpected leaves it unknown, which is safe: the message is then refused without an answer.
/// </summary>
internal sealed class TopLevelIdScanner
{
    private const int MaxIdBytes = 256;

    private readonly StringBuilder _key = new();
    private readonly StringBuilder _value = new();
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _expectKey;
    private bool _readingKey;
    private bool _readingId;

    /// <summary>The id as JSON text (<c>5</c> or <c>"abc"</c>), once found.</summary>
    public string? Id { get; private set; }

    public void Reset()
    {
        _key.Clear();
        _value.Clear();
        _depth = 0;
        _inString = _escaped = _expectKey = _readingKey = _readingId = false;
        Id = null;
    }

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (Id is not null)
            {
                return;
            }

            Step((char)b);
        }
    }

    private void Step(char c)
    {
        if (_readingId)
        {
            ReadId(c);
            return;
        }

        if (_inString)
        {
            if (_escaped)
            {
                _escaped = false;
            }
            else if (c == '\\')
            {
                _escaped = true;
            }
            else if (c == '"')
            {
                _inString = false;
                return;
            }

            if (_readingKey && _key.Length <= 4)
            {
                _key.Append(c);
            }

            return;
        }

        switch (c)
        {
            case '"':
                _inString = true;
                _readingKey = _depth == 1 && _expectKey;
                _key.Clear();
                break;
            case '{' or '[':
                _depth++;
                _expectKey = c == '{' && _depth == 1;
                break;
            case '}' or ']':
                _depth--;
                break;
            case ',' when _depth == 1:
                _expectKey = true;
                break;
            case ':' when _depth == 1 && _readingKey:
                _readingKey = false;
                _expectKey = false;
                _readingId = _key.ToString() == "id";
                _value.Clear();
                break;
        }
    }

    private void ReadId(char c)
    {
        if (_value.Length == 0 && char.IsWhiteSpace(c))
        {
            return;
        }

        var isString = _value.Length > 0 && _value[0] == '"';
        var done = isString
            ? _value.Length > 1 && c == '"' && _value[^1] != '\\'
            : c is ',' or '}' || char.IsWhiteSpace(c);
        if (isString || !done)
        {
            _value.Append(c);
        }

        if (_value.Length > MaxIdBytes)
        {
            _readingId = false;
            return;
        }

        if (!done)
        {
            return;
        }

        _readingId = false;
        var text = _value.ToString();
        var valid = isString
            ? text.Length >= 2 && text[1..^1].All(ch => ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
            : text.TrimStart('-') is { Length: > 0 and <= 18 } digits && text.Length - digits.Length <= 1 && digits.All(char.IsAsciiDigit);
        Id = valid ? text : null;
        if (!valid)
        {
            return;
        }

        // A value ends the key's context: a later "id" deeper down is not this message's id.
        _expectKey = false;
    }
}
