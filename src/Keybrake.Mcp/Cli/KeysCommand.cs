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
        var verifyRole = new Argument<string>("ROLE") { Description = "The role whose key to verify (from the environment variable its manifest names)." };
        var verify = new Command("verify",
            "Show, with harmless requests, that ROLE's key can do what its tools need and is refused everything else. Exit 1 on a key broader or narrower than its plan.")
            { verifyRole };
        verify.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                return ExitCodes.CheckFailed;
            }

            var name = parse.GetValue(verifyRole)!;
            if (!manifests.Roles.TryGetValue(name, out var manifest))
            {
                cli.Error.WriteLine($"keys verify: role '{name}' has no manifest in {cli.ManifestsDirectory} (roles: {string.Join(", ", manifests.Roles.Keys.Order())})");
                return ExitCodes.CheckFailed;
            }

            if (string.IsNullOrWhiteSpace(cli.Environment(manifest.Stripe.KeyEnv)))
            {
                cli.Error.WriteLine($"keys verify: {manifest.Stripe.KeyEnv} is not set; export the role's key (rk_test_... first) and run it again");
                return ExitCodes.CheckFailed;
            }

            using var clients = new StripeClients(StripeConnection.FromEnvironment(cli.Environment), cli.Environment);
            IReadOnlyList<KeyResourceCheck> checks;
            try
            {
                checks = await new KeyVerifier(clients).VerifyAsync(manifest, ct);
            }
            catch (InvalidKeyException ex)
            {
                cli.Error.WriteLine($"keys verify: Stripe does not accept the key in {manifest.Stripe.KeyEnv}: {ex.Message}");
                return ExitCodes.CheckFailed;
            }

            TextTable.Write(cli.Out, ["RESOURCE", "PLAN", "READ", "WRITE", "RESULT"],
                checks.Select(c => (IReadOnlyList<string>)[c.Resource, c.Planned, Describe(c.Read), Describe(c.Write), c.Verdict]));
            var wrong = checks.Where(c => c.Verdict != "ok").ToList();
            if (wrong.Count == 0)
            {
                cli.Out.WriteLine($"ok: the key in {manifest.Stripe.KeyEnv} can do exactly what role '{name}' needs ({string.Join(",", StripePermissions.Plan(manifest))}) and nothing else checked");
                return ExitCodes.Success;
            }

            var broader = wrong.Where(c => c.Verdict.StartsWith("extra", StringComparison.Ordinal)).Select(c => c.Resource).ToList();
            var narrower = wrong.Where(c => c.Verdict.StartsWith("missing", StringComparison.Ordinal)).Select(c => c.Resource).ToList();
            if (broader.Count > 0)
            {
                cli.Error.WriteLine($"keys verify: the key is broader than role '{name}' needs ({string.Join(", ", broader)}): create one with exactly 'keybrake-mcp keys plan {name}'");
            }

            if (narrower.Count > 0)
            {
                cli.Error.WriteLine($"keys verify: the key lacks what role '{name}' needs ({string.Join(", ", narrower)}): its tools will fail with Stripe's 403");
            }

            if (wrong.Any(c => c.Verdict == "could not tell"))
            {
                cli.Error.WriteLine("keys verify: Stripe did not answer some probes (429, 5xx or no answer); run it again");
            }

            return ExitCodes.CheckFailed;
        });
        return new Command("keys", "Restricted-key helpers.") { plan, verify };
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

    private static string Describe(KeyAccess access) => access switch
    {
        KeyAccess.Allowed => "allowed",
        KeyAccess.Refused => "refused",
        _ => "?",
    };
}
