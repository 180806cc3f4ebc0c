using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>The top-level NuGet package is both a .NET tool (with a native linux-x64 and a framework-dependent package) and an MCP server package whose server.json matches it.</summary>
public sealed class PackageTests
{
    private static string ProjectDirectory => Path.Combine(BuiltTool.RepoRoot, "src", "Keybrake.Mcp");

    private static string CsprojVersion =>
        XDocument.Load(Path.Combine(ProjectDirectory, "Keybrake.Mcp.csproj")).Descendants("Version").Single().Value;

    [Fact]
    public void Server_json_names_the_package_at_the_csproj_version_with_every_variable_it_reads()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProjectDirectory, ".mcp", "server.json")));
        AssertServerJson(doc.RootElement, CsprojVersion);
    }

    [Fact]
    public async Task Pack_produces_a_top_level_tool_and_mcp_server_package_naming_the_native_and_the_fallback_packages()
    {
        using var output = new TempDirectory();
        var configuration = BuiltTool.DllPath.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        // --no-build: the top-level package carries no program (the RID packages do: 'pack -r linux-x64', 'pack -r any';
        // .ci/run builds both and installs the tool from them).
        var (code, stdout, stderr) = await RunDotnetAsync("pack", ProjectDirectory, "--no-build", "-c", configuration, "-o", output.Path, "--nologo");
        Assert.True(code == 0, stdout + stderr);

        var nupkg = Path.Combine(output.Path, $"Keybrake.Mcp.{CsprojVersion}.nupkg");
        Assert.True(File.Exists(nupkg), $"no {nupkg}: {string.Join(", ", Directory.GetFiles(output.Path))}");
        using var zip = ZipFile.OpenRead(nupkg);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("README.md", names);
        Assert.DoesNotContain(names, n => n.EndsWith(".dll", StringComparison.Ordinal));

        await using (var settings = zip.GetEntry("tools/any/any/DotnetToolSettings.xml")!.Open())
        {
            var tool = await XDocument.LoadAsync(settings, LoadOptions.None, CancellationToken.None);
            Assert.Equal("keybrake-mcp", tool.Descendants("Command").Single().Attribute("Name")!.Value);
            Assert.Equal(
                [("linux-x64", "Keybrake.Mcp.linux-x64"), ("any", "Keybrake.Mcp.any")],
                tool.Descendants("RuntimeIdentifierPackage").Select(p => (p.Attribute("RuntimeIdentifier")!.Value, p.Attribute("Id")!.Value)));
        }

        await using (var stream = zip.GetEntry(".mcp/server.json")!.Open())
        {
            using var doc = await JsonDocument.ParseAsync(stream);
            AssertServerJson(doc.RootElement, CsprojVersion);
        }

        await using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = await XDocument.LoadAsync(nuspecStream, LoadOptions.None, CancellationToken.None);
        var types = nuspec.Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => e.Attribute("name")!.Value).ToList();
        Assert.Contains("McpServer", types);
        Assert.Contains("DotnetTool", types);
        Assert.Equal("README.md", nuspec.Descendants().Single(e => e.Name.LocalName == "readme").Value);
    }

    private static void AssertServerJson(JsonElement server, string version)
    {
        Assert.StartsWith("https://static.modelcontextprotocol.io/schemas/", server.GetProperty("$schema").GetString());
        Assert.Equal("io.github.keybrake/keybrake-mcp", server.GetProperty("name").GetString());
        Assert.InRange(server.GetProperty("description").GetString()!.Length, 1, 100);
        Assert.Equal(version, server.GetProperty("version").GetString());
        var package = Assert.Single(server.GetProperty("packages").EnumerateArray());
        Assert.Equal(("nuget", "Keybrake.Mcp", version, "dnx", "stdio"), (
            package.GetProperty("registryType").GetString(),
            package.GetProperty("identifier").GetString(),
            package.GetProperty("version").GetString(),
            package.GetProperty("runtimeHint").GetString(),
            package.GetProperty("transport").GetProperty("type").GetString()));

        var arguments = package.GetProperty("packageArguments").EnumerateArray().ToList();
        Assert.Equal("serve", arguments[0].GetProperty("value").GetString());
        Assert.Contains(arguments, a => a.TryGetProperty("name", out var n) && n.GetString() == "--agent");

        var variables = package.GetProperty("environmentVariables").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => v.TryGetProperty("isSecret", out var s) && s.GetBoolean());
        Assert.False(variables["KEYBRAKE_MANIFESTS"]);
        Assert.False(variables["KEYBRAKE_DB"]);
        Assert.False(variables["KEYBRAKE_STRIPE_API_BASE"]);
        var manifests = Keybrake.Mcp.Manifests.ManifestLoader.LoadDirectory(Path.Combine(BuiltTool.RepoRoot, "tool-manifests")).Set!;
        foreach (var role in manifests.Roles.Values)
        {
            Assert.True(variables.TryGetValue(role.Stripe.KeyEnv, out var secret), $"server.json does not declare {role.Stripe.KeyEnv}");
            Assert.True(secret, $"{role.Stripe.KeyEnv} must be isSecret");
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunDotnetAsync(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
