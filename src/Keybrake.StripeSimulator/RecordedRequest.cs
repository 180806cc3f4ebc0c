namespace Keybrake.StripeSimulator;

/// <summary>One request the simulator received; Status is 0 when the connection was dropped without a response. Never holds the API key.</summary>
public sealed record RecordedRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Form,
    string? IdempotencyKey,
    bool Replayed,
    int Status);
