namespace Keybrake.Mcp.Ledger;

/// <summary>A row's canonical content around its id, which only the ledger's writer knows.</summary>
public sealed record PreparedContent(string BeforeId, string AfterId)
{
    /// <summary>The canonical content of the row with this id.</summary>
    public string WithId(long id) => string.Concat(BeforeId, ",\"id\":", id.ToString(System.Globalization.CultureInfo.InvariantCulture), AfterId);
}
