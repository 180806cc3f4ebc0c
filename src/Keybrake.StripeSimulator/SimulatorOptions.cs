namespace Keybrake.StripeSimulator;

/// <summary>How a simulator keeps its account.</summary>
public sealed record SimulatorOptions
{
    /// <summary>
    /// A SQLite file for the account (objects and idempotency keys), shared by every simulator that opens it, in this or
    /// another process, and kept across restarts; null keeps the account in this simulator's memory.
    /// </summary>
    public string? StatePath { get; init; }
}
