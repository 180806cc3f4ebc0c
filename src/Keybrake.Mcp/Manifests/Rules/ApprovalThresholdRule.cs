using Keybrake.Mcp.Manifests.Reading;

namespace Keybrake.Mcp.Manifests.Rules;

/// <summary>A tool's <c>approvalAbove</c> is in its <c>maxAmount</c>'s currency and not above it, or it could never apply.</summary>
internal sealed class ApprovalThresholdRule : IRoleManifestRule
{
    public void Check(ManifestDraft draft)
    {
        foreach (var (tool, grant) in draft.Manifest.Tools)
        {
            if (grant is not { ApprovalAbove: { } threshold, MaxAmount: { } max })
            {
                continue;
            }

            var path = JsonPath.Root.Property("tools").Property(tool).Property("approvalAbove");
            if (threshold.Currency.Code != max.Currency.Code)
            {
                draft.Diagnostics.Report(
                    path,
                    $"\"approvalAbove\" is in {threshold.Currency} but \"maxAmount\" is in {max.Currency}: write both in the same currency");
            }
            else if (threshold.Minor > max.Minor)
            {
                draft.Diagnostics.Report(
                    path,
                    $"\"approvalAbove\" ({threshold}) is above \"maxAmount\" ({max}), so no call could ever wait for approval: lower it or raise maxAmount");
            }
        }
    }
}
