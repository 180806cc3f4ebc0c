using System.Text.RegularExpressions;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Name and id patterns shared by the reader and <c>manifest.schema.json</c> (a test keeps them equal).</summary>
internal static partial class ManifestPatterns
{
    public const string Role = "^[a-z0-9][a-z0-9-]{0,63}$";
    public const string Agent = "^[a-z0-9][a-z0-9._-]{0,63}$";
    public const string KeyEnv = "^[A-Z_][A-Z0-9_]*$";
    public const string Customer = "^cus_[A-Za-z0-9]+$";
    public const string Price = "^price_[A-Za-z0-9_]+$";
    public const string Duration = "^[1-9][0-9]{0,5}[smhd]$";
    public const string Money = "^[0-9]+(\\.[0-9]{1,3})? [A-Z]{3}$";

    [GeneratedRegex(Role)]
    public static partial Regex RoleRegex();

    [GeneratedRegex(Agent)]
    public static partial Regex AgentRegex();

    [GeneratedRegex(KeyEnv)]
    public static partial Regex KeyEnvRegex();

    [GeneratedRegex(Customer)]
    public static partial Regex CustomerRegex();

    [GeneratedRegex(Price)]
    public static partial Regex PriceRegex();

    [GeneratedRegex(Duration)]
    public static partial Regex DurationRegex();
}
