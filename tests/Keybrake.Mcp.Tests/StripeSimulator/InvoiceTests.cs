using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

/// <summary>The simulator's invoice transitions, which the billing tools' tests rely on.</summary>
public sealed class InvoiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pay_charges_the_remainder_and_refuses_drafts_and_foreign_payment_methods()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var account = h.Sim.Account;
        var customer = account.AddCustomer();
        var other = account.AddCustomer();
        var foreign = account.AddPaymentMethod(other);
        var open = account.AddInvoice(customer, 4200, "usd");
        var draft = account.AddInvoice(customer, 100, "usd", status: "draft");
        var invoices = h.Client().V1.Invoices;

        var notOwn = await Assert.ThrowsAsync<StripeException>(() => invoices.PayAsync(open, new InvoicePayOptions { PaymentMethod = foreign }, cancellationToken: Ct));
        Assert.Equal("payment_method", notOwn.StripeError.Param);
        var notPayable = await Assert.ThrowsAsync<StripeException>(() => invoices.PayAsync(draft, cancellationToken: Ct));
        Assert.Equal("invoice_not_payable", notPayable.StripeError.Code);

        var paid = await invoices.PayAsync(open, cancellationToken: Ct);
        Assert.Equal(("paid", 4200L, 0L, 1L), (paid.Status, paid.AmountPaid, paid.AmountRemaining, paid.AttemptCount));
    }

    [Fact]
    public async Task Finalize_honours_auto_advance()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var customer = h.Sim.Account.AddCustomer();
        var draft = h.Sim.Account.AddInvoice(customer, 100, "usd", status: "draft");

        var finalized = await h.Client().V1.Invoices.FinalizeInvoiceAsync(draft, new InvoiceFinalizeOptions { AutoAdvance = false }, cancellationToken: Ct);
        Assert.Equal(("open", false), (finalized.Status, finalized.AutoAdvance));
    }
}
