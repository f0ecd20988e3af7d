namespace Herald.Storage;

/// <summary>A campaign as the app declared it: its id (the <c>campaign</c> dimension of its events) and how many recipients it has.</summary>
public sealed record CampaignRecord(string CampaignId, string Name, long TotalRecipients, string? Account, long CreatedAtMs, long UpdatedAtMs);

public interface ICampaignStore
{
    CampaignRecord UpsertCampaign(int teamId, string campaignId, string name, long totalRecipients, string? account, long nowMs);
    IReadOnlyList<CampaignRecord> ListCampaigns(int teamId);
    CampaignRecord? FindCampaign(int teamId, string campaignId);
}
