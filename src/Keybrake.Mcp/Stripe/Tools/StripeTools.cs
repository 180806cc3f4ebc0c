using System.Diagnostics.CodeAnalysis;
using Keybrake.Mcp.Governance;
using Microsoft.Extensions.DependencyInjection;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>A tool that declares what it is without being built: the catalog reads it before any service exists.</summary>
public interface IDeclaredTool
{
    static abstract ToolDeclaration Declared { get; }
}

/// <summary>Every Stripe tool this build implements, listed once: registered as services from here, and declared from here to the manifest catalog.</summary>
public static class StripeTools
{
    private static readonly Entry[] Entries =
    [
        Tool<IssueRefundTool>(),
        Tool<CapturePaymentIntentTool>(),
        Tool<ChangePlanTool>(),
        Tool<PreviewPlanChangeTool>(),
        Tool<PauseSubscriptionTool>(),
        Tool<ResumeSubscriptionTool>(),
        Tool<CancelSubscriptionTool>(),
        Tool<ExtendTrialTool>(),
        Tool<UpdateSubscriptionQuantityTool>(),
        Tool<PayInvoiceTool>(),
        Tool<FinalizeInvoiceTool>(),
        Tool<MarkInvoiceUncollectibleTool>(),
        Tool<GetCustomerTool>(),
        Tool<GetChargeTool>(),
        Tool<GetPaymentIntentTool>(),
        Tool<GetInvoiceTool>(),
        Tool<GetSubscriptionTool>(),
        Tool<ListPricesTool>(),
        Tool<ListPaymentMethodsTool>(),
        Tool<ListCustomersTool>(),
        Tool<ListChargesTool>(),
        Tool<ListInvoicesTool>(),
        Tool<ListSubscriptionsTool>(),
        Tool<ListRefundsTool>(),
        Tool<ListPaymentIntentsTool>(),
    ];

    /// <summary>Every tool's declaration, in the contract's order (DESIGN.md 3.3).</summary>
    public static IReadOnlyList<ToolDeclaration> Declarations { get; } = [.. Entries.Select(e => e.Declaration)];

    /// <summary>The declaration of a tool of this build, by name; null for any other name.</summary>
    public static ToolDeclaration? Find(string name) => Declarations.FirstOrDefault(d => d.Name == name);

    /// <summary>Registers every tool as an <see cref="IToolOperation"/>.</summary>
    public static IServiceCollection AddStripeTools(this IServiceCollection services)
    {
        foreach (var entry in Entries)
        {
            entry.Register(services);
        }

        return services;
    }

    // Generic per tool type, so the native build sees every constructor it must keep.
    private static Entry Tool<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>() where T : class, IToolOperation, IDeclaredTool =>
        new(T.Declared, services => services.AddSingleton<IToolOperation, T>());

    private sealed record Entry(ToolDeclaration Declaration, Action<IServiceCollection> Register);
}
