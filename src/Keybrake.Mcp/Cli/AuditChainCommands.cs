using System.CommandLine;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp audit verify</c> and <c>audit export</c>: the audit log's hash chain, checked or written out for offline checks.</summary>
public static class AuditChainCommands
{
    public static Command Verify(Func<ParseResult, CliContext> context)
    {
        var file = new Option<FileInfo>("--file") { Description = "Verify an 'audit export' file instead of the database." };
        file.AcceptExistingOnly();
        var command = new Command("verify", "Check the audit log's hash chain; exit 1 names the first broken record.") { file };
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            AuditChainReport report;
            if (parse.GetValue(file) is { } export)
            {
                using var reader = export.OpenText();
                report = await AuditChainExport.VerifyAsync(reader, ct);
            }
            else
            {
                report = await (await cli.OpenLedgerAsync(ct)).VerifyChainAsync(ct);
            }

            (report.Ok ? cli.Out : cli.Error).WriteLine(report.ToString());
            return report.Ok ? ExitCodes.Success : ExitCodes.CheckFailed;
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
