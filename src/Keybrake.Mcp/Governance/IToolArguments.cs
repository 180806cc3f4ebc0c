namespace Keybrake.Mcp.Governance;

/// <summary>
/// A call's arguments as its tool reads them: a record each tool declares, read from the validated JSON once
/// (<see cref="IToolOperation.ParseArguments"/>), so no tool reads an argument by its name on the way.
/// </summary>
public interface IToolArguments;

/// <summary>The arguments as JSON, for tools that declare no record of their own (test doubles).</summary>
public sealed record JsonArguments(System.Text.Json.Nodes.JsonObject Json) : IToolArguments;
