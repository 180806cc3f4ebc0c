namespace Keybrake.Mcp.Hosting;

/// <summary>The wait between two passes of a background loop: false when the host is stopping instead.</summary>
internal static class StoppableDelay
{
    public static async Task<bool> WaitOrStopAsync(this TimeProvider time, TimeSpan wait, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(wait, time, stopping);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
