using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Keybrake.Mcp.Cli;

/// <summary>
/// An "Examples:" section at the end of every command's <c>--help</c>. A help section rather than description text, so
/// a parent's command list stays one line per command. Plain text: help is read in pipes and logs as often as on a TTY.
/// </summary>
public static class CliExamples
{
    /// <summary>Examples by command path ("" is the root); a test checks every command has some.</summary>
    public static IReadOnlyDictionary<string, string[]> ByCommand { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [""] = [
            "keybrake-mcp init support-refunds --agent refund-bot",
            "keybrake-mcp serve --sandbox --agent refund-bot",
            "keybrake-mcp serve --agent refund-bot --manifests ./tool-manifests",
            "keybrake-mcp revoke refund-bot --reason \"incident 42\""],
        ["serve"] = [
            "keybrake-mcp serve --agent refund-bot                # stdio, real Stripe (needs the role's rk_ key)",
            "keybrake-mcp serve --sandbox --agent refund-bot      # stdio, simulated Stripe account, no key",
            "keybrake-mcp serve --http --urls http://127.0.0.1:8787",
            "keybrake-mcp serve --sandbox --http                  # every role, simulated; tokens from 'token issue AGENT --sandbox'",
            "keybrake-mcp serve --agent refund-bot --log-level information   # one line per call on stderr",
            "keybrake-mcp serve --http --db postgres://keybrake:PASSWORD@db.internal:5432/keybrake   # one of several instances",
            "keybrake-mcp serve --sandbox --http --console        # and the operators' console at /console",
            "KEYBRAKE_AUDIT_ANCHORS=/mnt/audit-anchor/checkpoints.jsonl,syslog keybrake-mcp serve --http --audit-key /etc/keybrake/audit-key.pem",
            "keybrake-mcp serve --http --auth-issuer https://login.example.com/realms/agents --public-url https://mcp.example.com/mcp   # also OAuth access tokens"],
        ["init"] = [
            "keybrake-mcp init support-refunds",
            "keybrake-mcp init subscriptions --agent plan-bot --role plans-eu --mode live",
            "keybrake-mcp init payment-capture --manifests ./tool-manifests --force"],
        ["revoke"] = [
            "keybrake-mcp revoke refund-bot --reason \"incident 42\"",
            "keybrake-mcp revoke refund-bot --sandbox             # the sandbox's ledger",
            "keybrake-mcp revoke --role support-refunds",
            "keybrake-mcp revoke --all --reason \"key rotation\""],
        ["reinstate"] = ["keybrake-mcp reinstate refund-bot", "keybrake-mcp reinstate --role support-refunds", "keybrake-mcp reinstate --all"],
        ["audit"] = [
            "keybrake-mcp audit --agent refund-bot --since 24h",
            "keybrake-mcp audit --outcome denied --json --limit 100 > denied.jsonl",
            "keybrake-mcp audit --tool issue_refund --since 7d --until 1d --csv > refunds.csv"],
        ["audit verify"] = [
            "keybrake-mcp audit verify",
            "keybrake-mcp audit verify --file audit-chain.jsonl",
            "keybrake-mcp audit verify --file audit-chain.jsonl --checkpoints checkpoints.jsonl --public-key audit-key.pem.pub   # offline, as an auditor"],
        ["audit keygen"] = ["keybrake-mcp audit keygen --out /etc/keybrake/audit-key.pem   # and audit-key.pem.pub for auditors"],
        ["audit checkpoint"] = [
            "keybrake-mcp audit checkpoint --key /etc/keybrake/audit-key.pem --out /mnt/audit-anchor/checkpoints.jsonl",
            "keybrake-mcp audit checkpoint --key audit-key.pem | logger -t keybrake-audit   # a copy in syslog"],
        ["audit export"] = ["keybrake-mcp audit export > audit-chain.jsonl"],
        ["spend"] = ["keybrake-mcp spend", "keybrake-mcp spend --agent refund-bot --json"],
        ["agents"] = ["keybrake-mcp agents", "keybrake-mcp agents --json"],
        ["validate"] = ["keybrake-mcp validate", "keybrake-mcp validate --manifests ./tool-manifests --json"],
        ["keys"] = ["keybrake-mcp keys plan support-refunds", "keybrake-mcp keys verify support-refunds"],
        ["keys verify"] = [
            "KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS=rk_test_... keybrake-mcp keys verify support-refunds   # test mode first, then promote"],
        ["keys plan"] = ["keybrake-mcp keys plan support-refunds", "keybrake-mcp keys plan analytics-readonly --manifests ./tool-manifests"],
        ["token"] = ["keybrake-mcp token issue refund-bot", "keybrake-mcp token list", "keybrake-mcp token revoke TOKEN_ID"],
        ["token issue"] = ["keybrake-mcp token issue refund-bot", "keybrake-mcp token issue refund-bot --sandbox   # for serve --sandbox --http"],
        ["token list"] = ["keybrake-mcp token list", "keybrake-mcp token list --json"],
        ["token revoke"] = ["keybrake-mcp token revoke TOKEN_ID"],
        ["reconcile"] = ["keybrake-mcp reconcile", "keybrake-mcp reconcile --older-than 0s   # also calls that may still be in flight", "keybrake-mcp reconcile --sandbox --json"],
        ["console"] = [
            "keybrake-mcp operator token issue alice              # once; she signs in with it",
            "keybrake-mcp console                                 # http://127.0.0.1:8788/console/",
            "keybrake-mcp console --db postgres://keybrake:PASSWORD@db.internal:5432/keybrake --urls http://0.0.0.0:8788 --allowed-hosts ops.example.com"],
        ["operator"] = ["keybrake-mcp operator token issue alice", "keybrake-mcp operator token list", "keybrake-mcp operator token revoke TOKEN_ID"],
        ["operator token"] = ["keybrake-mcp operator token issue alice", "keybrake-mcp operator token list --json", "keybrake-mcp operator token revoke TOKEN_ID"],
        ["operator token issue"] = ["keybrake-mcp operator token issue alice", "keybrake-mcp operator token issue alice --sandbox   # for serve --sandbox --http --console"],
        ["operator token list"] = ["keybrake-mcp operator token list", "keybrake-mcp operator token list --json"],
        ["operator token revoke"] = ["keybrake-mcp operator token revoke TOKEN_ID   # also ends the sessions it signed in"],
        ["approvals"] = ["keybrake-mcp approvals list", "keybrake-mcp approvals approve ID", "keybrake-mcp approvals deny ID --reason \"not this one\""],
        ["approvals list"] = ["keybrake-mcp approvals list", "keybrake-mcp approvals list --json"],
        ["approvals approve"] = ["keybrake-mcp approvals approve apr_0123456789abcdef"],
        ["approvals deny"] = ["keybrake-mcp approvals deny ID --reason \"not this one\""],
        ["sandbox"] = ["keybrake-mcp sandbox reset"],
        ["sandbox reset"] = ["keybrake-mcp sandbox reset", "keybrake-mcp sandbox reset --db ./demo-sandbox.db"],
        ["db"] = ["keybrake-mcp db migrate --db postgres://keybrake:PASSWORD@db.internal:5432/keybrake", "keybrake-mcp db copy --from ~/.local/share/keybrake/keybrake.db --to postgres://..."],
        ["db migrate"] = ["keybrake-mcp db migrate", "KEYBRAKE_DB=postgres://keybrake:PASSWORD@db.internal:5432/keybrake keybrake-mcp db migrate"],
        ["db copy"] = ["keybrake-mcp db copy --from ~/.local/share/keybrake/keybrake.db --to postgres://keybrake:PASSWORD@db.internal:5432/keybrake"],
    };

    /// <summary>Adds the section to the help of <paramref name="root"/> and every command under it.</summary>
    public static void AddTo(RootCommand root)
    {
        var paths = new Dictionary<Command, string>();
        Walk(root, "", paths);
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is SynchronousCommandLineAction standard)
            {
                help.Action = new WithExamples(standard, paths);
            }
        }
    }

    private static void Walk(Command command, string path, Dictionary<Command, string> paths)
    {
        paths[command] = path;
        foreach (var sub in command.Subcommands)
        {
            Walk(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}", paths);
        }
    }

    /// <summary>The standard help, then the command's examples.</summary>
    private sealed class WithExamples(SynchronousCommandLineAction standard, IReadOnlyDictionary<Command, string> paths) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => standard.ClearsParseErrors;

        public override int Invoke(ParseResult parseResult)
        {
            var code = standard.Invoke(parseResult);
            if (paths.TryGetValue(parseResult.CommandResult.Command, out var path) && ByCommand.TryGetValue(path, out var examples))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples)
                {
                    output.WriteLine($"  {example}");
                }

                output.WriteLine();
            }

            return code;
        }
    }
}
