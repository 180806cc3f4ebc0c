using Keybrake.Mcp.Cli;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>Every command's <c>--help</c> ends with examples, and the command lists above stay one line per command.</summary>
public sealed class HelpExamplesTests
{
    private static async Task<string> HelpAsync(params string[] path)
    {
        var output = new StringWriter();
        var code = await KeybrakeCli.RunAsync([.. path, "--help"], _ => null, output, new StringWriter());
        Assert.Equal(0, code);
        return output.ToString();
    }

    // The names in a help text's "Commands:" section.
    private static IEnumerable<string> Subcommands(string help) =>
        help.Split('\n').SkipWhile(l => !l.StartsWith("Commands:", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ')[0]);

    [Fact]
    public async Task Every_command_has_examples_that_use_it()
    {
        var pending = new Queue<string[]>([[]]);
        var seen = 0;
        while (pending.TryDequeue(out var path))
        {
            var help = await HelpAsync(path);
            // Help is read by people who installed the tool, who have no DESIGN.md beside it.
            Assert.DoesNotContain("DESIGN.md", help);
            var examples = help[(help.IndexOf("\nExamples:\n", StringComparison.Ordinal) + 1)..];
            Assert.True(examples.StartsWith("Examples:", StringComparison.Ordinal), $"'{string.Join(' ', path)} --help' has no examples");
            Assert.Contains(string.Join(' ', ["keybrake-mcp", .. path]), examples);
            foreach (var sub in Subcommands(help))
            {
                pending.Enqueue([.. path, sub]);
            }

            seen++;
        }

        Assert.True(seen >= 15, $"only {seen} commands walked");
    }

    [Fact]
    public async Task Command_lists_stay_one_line_per_command()
    {
        var help = await HelpAsync();
        Assert.Single(help.Split('\n'), l => l.Contains("Examples:", StringComparison.Ordinal));
        Assert.Contains(Subcommands(help), c => c == "init");
    }
}
