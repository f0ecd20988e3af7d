namespace Herald.Storage;

/// <summary>
/// A campaign as the app declared it: its id (the <c>campaign</c> dimension of its events), how many recipients it has, and
/// the segment it was sent to (<see cref="SegmentId"/>, optional).
/// </summary>
public sealed record CampaignRecord(string CampaignId, string Name, long TotalRecipients, string? Account, long CreatedAtMs, long UpdatedAtMs,
    string? SegmentId = null);

/// <summary>A team's segment: its id, name and rule (the rule's JSON as the API accepted it, see <c>SegmentRule</c>).</summary>
public sealed record SegmentRecord(string SegmentId, string Name, string RuleJson, long CreatedAtMs, long UpdatedAtMs);

public interface ICampaignStore
{
    CampaignRecord UpsertCampaign(int teamId, string campaignId, string name, long totalRecipients, string? account, long nowMs, string? segmentId = null);
    IReadOnlyList<CampaignRecord> ListCampaigns(int teamId);
    CampaignRecord? FindCampaign(int teamId, string campaignId);

    SegmentRecord UpsertSegment(int teamId, string segmentId, string name, string ruleJson, long nowMs);
    IReadOnlyList<SegmentRecord> ListSegments(int teamId);
    SegmentRecord? FindSegment(int teamId, string segmentId);
    /// <summary>Forgets a segment; false when the team has none by that id.</summary>
    bool DeleteSegment(int teamId, string segmentId);
    /// <summary>The ids of the team's campaigns declared with this segment.</summary>
    IReadOnlyList<string> CampaignsOfSegment(int teamId, string segmentId);
}
