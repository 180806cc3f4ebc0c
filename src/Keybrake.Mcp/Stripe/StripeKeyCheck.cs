using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Stripe;

/// <summary>Refuses a role's key at start when it is of the wrong mode or a full secret key the manifest did not allow.</summary>
public static class StripeKeyCheck
{
    /// <summary>The problem with the key, or null when it may be used. Messages never contain the key.</summary>
    public static string? Problem(RoleManifest role, string? key)
    {
        var env = role.Stripe.KeyEnv;
        if (string.IsNullOrWhiteSpace(key))
        {
            return $"role '{role.Role}': environment variable {env} is not set; set it to the role's restricted key (rk_...). " +
                   $"'keybrake-mcp keys plan {role.Role}' prints the permissions it needs";
        }

        // A stray space, newline or quote from a copy-paste would only fail later, on every call, inside Stripe.net.
        var bad = key.AsSpan().IndexOfAnyExcept(KeyCharacters);
        if (bad >= 0)
        {
            return $"role '{role.Role}': {env} holds {Describe(key[bad])} at position {bad + 1}, which no Stripe key has " +
                   "(keys are letters, digits and '_'); check the variable for stray whitespace or quotes";
        }

        var isSecret = key.StartsWith("sk_", StringComparison.Ordinal);
        if (!isSecret && !key.StartsWith("rk_", StringComparison.Ordinal))
        {
            return $"role '{role.Role}': {env} does not hold a Stripe secret or restricted key (expected rk_test_... or rk_live_...)";
        }

        if (isSecret && !role.Stripe.AllowSecretKey)
        {
            return $"role '{role.Role}': {env} holds a full secret key (sk_...); use a restricted key (rk_...) or set \"allowSecretKey\": true in {Path.GetFileName(role.SourceFile)}";
        }

        var live = key.Contains("_live_", StringComparison.Ordinal);
        var test = key.Contains("_test_", StringComparison.Ordinal);
        return role.Stripe.Mode switch
        {
            StripeMode.Test when !test => $"role '{role.Role}' is in test mode but {env} holds a {(live ? "live" : "non-test")} key; use an rk_test_... key",
            StripeMode.Live when !live => $"role '{role.Role}' is in live mode but {env} holds a {(test ? "test" : "non-live")} key; use an rk_live_... key",
            _ => null,
        };
    }

    private static readonly System.Buffers.SearchValues<char> KeyCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    private static string Describe(char c) => c switch
    {
        ' ' => "a space",
        '\n' => "a line break",
        '\r' => "a carriage return",
        '\t' => "a tab",
        '"' or '\'' => "a quote",
        _ when char.IsControl(c) => $"a control character (U+{(int)c:X4})",
        _ => $"the character '{c}'",
    };
}
