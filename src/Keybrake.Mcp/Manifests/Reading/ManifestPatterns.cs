using System.Text.RegularExpressions;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>
/// Name and id patterns shared by the reader and <c>manifest.schema.json</c> (a test keeps them equal). The reader
/// matches them with the schema's meaning (<see cref="SchemaRegex"/>): "agent\n" is no agent name.
/// </summary>
internal static class ManifestPatterns
{
    public const string Role = "^[a-z0-9][a-z0-9-]{0,63}$";
    public const string Agent = "^[a-z0-9][a-z0-9._-]{0,63}$";
    public const string KeyEnv = "^[A-Z_][A-Z0-9_]*$";
    public const string Customer = StripeIdFormat.Pattern;
    public const string Price = StripeIdFormat.Pattern;
    public const string Duration = "^[1-9][0-9]{0,5}[smhd]$";
    public const string Money = "^[0-9]+(\\.[0-9]{1,3})? [A-Z]{3}$";

    public static Regex RoleRegex() => SchemaRegex.For(Role);

    public static Regex AgentRegex() => SchemaRegex.For(Agent);

    public static Regex KeyEnvRegex() => SchemaRegex.For(KeyEnv);

    public static Regex CustomerRegex() => SchemaRegex.For(Customer);

    public static Regex PriceRegex() => SchemaRegex.For(Price);

    public static Regex DurationRegex() => SchemaRegex.For(Duration);
}
