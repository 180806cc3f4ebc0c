namespace Keybrake.Mcp.Cli;

/// <summary>Exit codes of the contract: 0 success, 1 a check failed, 2 bad usage.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int CheckFailed = 1;
    public const int BadUsage = 2;
}
