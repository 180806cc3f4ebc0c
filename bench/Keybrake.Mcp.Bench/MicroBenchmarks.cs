namespace Keybrake.Mcp.Bench;

public static class MicroBenchmarks
{
    public static void Run(string[] args) => throw new NotImplementedException();
}
