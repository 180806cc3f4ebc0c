using Keybrake.Mcp.Cli;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>The command line run in-process with a given environment: exit code, stdout and stderr.</summary>
public static class InProcessCli
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KeybrakeCli.RunAsync(args, name => env.GetValueOrDefault(name), output, error);
        return (code, output.ToString(), error.ToString());
    }
}
