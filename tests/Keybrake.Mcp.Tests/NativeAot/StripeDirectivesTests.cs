using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.NativeAot;

public sealed class StripeDirectivesTests
{
    private static string FilePath => Path.Combine(BuiltTool.RepoRoot, "src", "Keybrake.Mcp", "NativeAot", "Stripe.rd.xml");

    [Fact]
    public void The_native_build_keeps_every_Stripe_type_our_tools_read_or_send_as_Stripe_net_defines_it_now()
    {
        var expected = StripeDirectives.Generate(typeof(Keybrake.Mcp.Stripe.StripeJson).Assembly);
        if (Environment.GetEnvironmentVariable("KEYBRAKE_WRITE_RD_XML") == "1")
        {
            File.WriteAllText(FilePath, expected);
        }

        Assert.True(File.ReadAllText(FilePath) == expected,
            $"{FilePath} is stale (Stripe.net or the Stripe types keybrake-mcp uses changed): " +
            "run KEYBRAKE_WRITE_RD_XML=1 dotnet test --filter StripeDirectivesTests and commit the file");
    }

    [Fact]
    public void The_roots_are_the_Stripe_objects_and_options_our_code_names()
    {
        var roots = StripeDirectives.Roots(typeof(Keybrake.Mcp.Stripe.StripeJson).Assembly);

        Assert.Contains(typeof(global::Stripe.PaymentIntent), roots);
        Assert.Contains(typeof(global::Stripe.RefundCreateOptions), roots);
        Assert.Contains(typeof(global::Stripe.SubscriptionUpdateOptions), roots);
        Assert.Contains(typeof(global::Stripe.StripeList<global::Stripe.Charge>), roots);
        Assert.DoesNotContain(typeof(global::Stripe.RefundService), roots);
    }

    [Fact]
    public void A_property_typed_by_an_interface_keeps_every_Stripe_type_that_can_stand_there()
    {
        var directives = StripeDirectives.Generate(typeof(Keybrake.Mcp.Stripe.StripeJson).Assembly);

        // Charge.Source is an IPaymentSource: a card, a bank account, a source...
        Assert.Contains("<Type Name=\"Stripe.Card\" Dynamic=\"Required All\" />", directives);
        Assert.Contains("<Type Name=\"Stripe.BankAccount\" Dynamic=\"Required All\" />", directives);
        Assert.Contains("<Type Name=\"Stripe.StripeList`1[[Stripe.Charge,Stripe.net]]\" Dynamic=\"Required All\" />", directives);
    }
}
