using System.CommandLine;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Stripe;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp keys plan ROLE</c>: the restricted-key permissions a role's tools need, as a Stripe CLI command.</summary>
public static class KeysCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var role = new Argument<string>("ROLE") { Description = "The role whose key to plan." };
        var plan = new Command("plan", "Print the minimum restricted-key permissions of ROLE's tools as a 'stripe restricted_keys create' command.") { role };
        plan.SetAction(parse =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                return ExitCodes.CheckFailed;
            }

            var name = parse.GetValue(role)!;
            if (!manifests.Roles.TryGetValue(name, out var manifest))
            {
                cli.Error.WriteLine($"keys plan: role '{name}' has no manifest in {cli.ManifestsDirectory} (roles: {string.Join(", ", manifests.Roles.Keys.Order())})");
                return ExitCodes.CheckFailed;
            }

            WritePlan(cli.Out, manifest);
            return ExitCodes.Success;
        });
        return new Command("keys", "Restricted-key helpers.") { plan };
    }

    /// <summary>Prints the role's key plan as a Stripe CLI command; <c>init</c> prints the same for the manifest it wrote.</summary>
    public static void WritePlan(TextWriter output, RoleManifest manifest)
    {
        var permissions = StripePermissions.Plan(manifest);
        output.WriteLine($"# {manifest.Role}: {manifest.Tools.Count} tool(s) need {permissions.Count} permission(s); every other resource stays at None.");
        output.WriteLine("stripe restricted_keys create \\");
        output.WriteLine($"  --name \"agent-{manifest.Role}-$(date +%Y%m)\" \\");
        output.WriteLine($"  --permissions {string.Join(",", permissions)}");
        output.WriteLine($"# then: export {manifest.Stripe.KeyEnv}=rk_{(manifest.Stripe.Mode == StripeMode.Live ? "live" : "test")}_...");
    }
}
