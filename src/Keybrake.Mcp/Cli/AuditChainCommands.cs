using System.CommandLine;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Checkpoints;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp audit verify</c> and <c>audit export</c>: the audit log's hash chain, checked or written out for offline checks.</summary>
public static class AuditChainCommands
{
    public static Command Verify(Func<ParseResult, CliContext> context)
    {
        var file = new Option<FileInfo>("--file") { Description = "Verify an 'audit export' file instead of the database." };
        file.AcceptExistingOnly();
        var checkpoints = new Option<FileInfo>("--checkpoints")
        {
            Description = "Also check the chain against these signed checkpoints ('audit checkpoint' lines): catches a cut tail or a re-hashed chain.",
        };
        checkpoints.AcceptExistingOnly();
        var publicKey = new Option<FileInfo>("--public-key") { Description = "With --checkpoints: the public key (FILE.pub from 'audit keygen') they must be signed with." };
        publicKey.AcceptExistingOnly();
        var command = new Command("verify", "Check the audit log's hash chain (and against signed checkpoints); exit 1 names the first broken record.")
        {
            file, checkpoints, publicKey,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(checkpoints) is null) != (result.GetResult(publicKey) is null))
            {
                result.AddError("audit verify: --checkpoints and --public-key go together");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            AuditCheckpointCheck? check = null;
            if (parse.GetValue(checkpoints) is { } signed && parse.GetValue(publicKey) is { } keyFile)
            {
                try
                {
                    check = new AuditCheckpointCheck(AuditVerifyingKey.Load(keyFile.FullName), await AuditCheckpointFile.ReadAsync(signed.FullName, ct));
                }
                catch (AuditKeyException ex)
                {
                    cli.Error.WriteLine($"--public-key: {ex.Message}");
                    return ExitCodes.BadUsage;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    cli.Error.WriteLine($"--checkpoints: {ex.Message}");
                    return ExitCodes.BadUsage;
                }
            }

            AuditChainReport report;
            if (parse.GetValue(file) is { } export)
            {
                using var reader = export.OpenText();
                report = await AuditChainExport.VerifyAsync(reader, ct, check is null ? null : check.Observe);
            }
            else
            {
                var ledger = await cli.OpenLedgerAsync(ct);
                report = await ledger.VerifyChainAsync(ct);
                if (report.Ok && check is not null)
                {
                    // A second read: the chain only grows, so a checkpoint of the verified snapshot is still found in it.
                    await foreach (var e in ledger.ReadChainAsync(ct))
                    {
                        check.Observe(e);
                    }
                }
            }

            (report.Ok ? cli.Out : cli.Error).WriteLine(report.ToString());
            if (!report.Ok || check is null)
            {
                return report.Ok ? ExitCodes.Success : ExitCodes.CheckFailed;
            }

            var against = check.Finish();
            (against.Ok ? cli.Out : cli.Error).WriteLine(against.ToString());
            return against.Ok ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }

    public static Command Export(Func<ParseResult, CliContext> context)
    {
        var command = new Command("export", "Print the audit chain as JSON lines, for 'audit verify --file' elsewhere.");
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var ledger = await cli.OpenLedgerAsync(ct);
            await foreach (var e in ledger.ReadChainAsync(ct))
            {
                cli.Out.WriteLine(AuditChainExport.ToLine(e));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
