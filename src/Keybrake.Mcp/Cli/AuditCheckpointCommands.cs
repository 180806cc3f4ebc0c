using System.CommandLine;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Checkpoints;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp audit keygen</c> and <c>audit checkpoint</c>: a signing key pair, and a signed checkpoint of the chain's head.</summary>
public static class AuditCheckpointCommands
{
    public static Command Keygen(Func<ParseResult, CliContext> context)
    {
        var output = new Option<string>("--out") { Description = "Write the private key here (mode 0600) and the public key to FILE.pub.", Required = true };
        var command = new Command("keygen", "Make a key pair (ECDSA P-256, PEM) for signing audit checkpoints: FILE (private, 0600) and FILE.pub.") { output };
        command.SetAction(parse =>
        {
            var cli = context(parse);
            var path = parse.GetValue(output)!;
            using var key = AuditSigningKey.Generate();
            try
            {
                AuditKeyFiles.Write(key, path);
            }
            catch (Exception ex) when (ex is AuditKeyException or IOException or UnauthorizedAccessException)
            {
                cli.Error.WriteLine($"audit keygen: {ex.Message}");
                return ExitCodes.CheckFailed;
            }

            cli.Out.WriteLine($"key id {key.Public.KeyId}");
            cli.Out.WriteLine($"private key: {path} (mode 0600): for 'audit checkpoint --key' and 'serve --audit-key'; keep it away from the ledger's writers");
            cli.Out.WriteLine($"public key:  {AuditKeyFiles.PublicPath(path)}: for auditors, 'audit verify --checkpoints FILE --public-key {AuditKeyFiles.PublicPath(path)}'");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Checkpoint(Func<ParseResult, CliContext> context)
    {
        var keyFile = new Option<string>("--key") { Description = "The private key from 'audit keygen'.", Required = true };
        var output = new Option<string?>("--out")
        {
            Description = "Append the checkpoint to this file (created if missing) after checking the chain against the checkpoints it holds. Default: print it on stdout.",
        };
        var command = new Command("checkpoint",
            "Verify the audit chain, then sign its head (seq, hash, time, key id) as one JSON line, appended to --out or printed.") { keyFile, output };
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            AuditSigningKey key;
            var path = parse.GetValue(keyFile)!;
            try
            {
                key = AuditSigningKey.Load(path);
            }
            catch (AuditKeyException ex)
            {
                cli.Error.WriteLine($"--key: {ex.Message}");
                return ExitCodes.BadUsage;
            }

            if (AuditKeyFiles.IsReadableByOthers(path))
            {
                cli.Error.WriteLine($"warning: --key: {path} can be read by other users; 'chmod 600 {path}'");
            }

            using (key)
            {
                var ledger = await cli.OpenLedgerAsync(ct);
                // Signing a chain that was already tampered with would vouch for the tampering.
                var report = await ledger.VerifyChainAsync(ct);
                if (!report.Ok)
                {
                    cli.Error.WriteLine($"audit checkpoint: refusing to sign a chain that does not verify: {report}");
                    return ExitCodes.CheckFailed;
                }

                var file = parse.GetValue(output);
                if (file is not null && File.Exists(file) && await DisagreementAsync(ledger, key.Public, file, ct) is { } problem)
                {
                    cli.Error.WriteLine($"audit checkpoint: refusing to sign: the chain no longer agrees with {file}: {problem}");
                    return ExitCodes.CheckFailed;
                }

                var checkpoint = AuditCheckpoint.Sign(key, report.Events, report.Head, DateTimeOffset.UtcNow);
                if (file is null)
                {
                    cli.Out.WriteLine(checkpoint.ToLine());
                }
                else
                {
                    await AuditCheckpointFile.AppendAsync(file, checkpoint, ct);
                }

                cli.Error.WriteLine($"checkpoint: seq {checkpoint.Seq}, head {checkpoint.Head}, key {checkpoint.KeyId}{(file is null ? "" : $", appended to {file}")}");
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static async Task<AuditCheckpointReport?> DisagreementAsync(SqlLedger ledger, AuditVerifyingKey key, string file, CancellationToken ct)
    {
        var lines = await AuditCheckpointFile.ReadAsync(file, ct);
        if (lines.Count == 0)
        {
            return null;
        }

        var check = new AuditCheckpointCheck(key, lines);
        await foreach (var e in ledger.ReadChainAsync(ct))
        {
            check.Observe(e);
        }

        return check.Finish() is { Ok: false } broken ? broken : null;
    }
}
