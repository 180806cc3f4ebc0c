namespace Keybrake.Mcp.Governance;

/// <summary>Every tool operation this build implements, by MCP name.</summary>
public sealed class ToolRegistry(IEnumerable<IToolOperation> operations)
{
    private readonly Dictionary<string, IToolOperation> _byName = operations.ToDictionary(o => o.Name, StringComparer.Ordinal);

    public IToolOperation? Find(string name) => _byName.GetValueOrDefault(name);

    public IEnumerable<IToolOperation> All => _byName.Values;
}
