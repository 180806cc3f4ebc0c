using Keybrake.Mcp.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// Prompts only on a terminal: scripts and MCP clients that pipe stdin get the defaults, never a hang.
var terminal = Console.IsInputRedirected ? null : Console.In;
return await KeybrakeCli.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, cancel.Token, terminal);
