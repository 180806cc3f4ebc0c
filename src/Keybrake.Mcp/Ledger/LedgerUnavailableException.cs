namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The ledger could not be read or written (file missing or locked, database down, connection lost, timeout): callers
/// refuse instead of acting without a record. Backends turn their own errors into this one, so nothing outside
/// <c>Ledger/</c> knows which database it is.
/// </summary>
public sealed class LedgerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
