using Herald.Engine;
using Herald.Storage;

namespace Herald.Analytics.Consent;

/// <summary>
/// Consent given or withdrawn outside SMS keywords (an opt-in at signup, an opt-out from a web form). The change is stored
/// in the same timeline as the keywords, then announced exactly as the writer announces a committed keyword
/// (<see cref="PendingRollups.AddConsent"/>, under the write lock): the in-memory timelines take it and
/// <see cref="DataChanges"/> marks every hour from its time on as changed, so kept compliance tallies and cached answers
/// after it are computed again.
/// </summary>
public sealed class ConsentRecorder(IConsentStore store, PendingRollups pending)
{
    /// <summary>Records the change; false when the same change (contact, time, state) was already recorded, which changes nothing.</summary>
    public bool Record(int teamId, string recipient, long occurredAtMs, int state, string source)
    {
        if (state is not (ConsentKeywords.OptInCode or ConsentKeywords.OptOutCode or ConsentKeywords.StoppedCode))
            throw new ArgumentOutOfRangeException(nameof(state));
        if (!store.RecordConsent(teamId, recipient, occurredAtMs, state, source)) return false;
        using (pending.Write()) pending.AddConsent([new ConsentKeywordChange(teamId, recipient, occurredAtMs, state)]);
        return true;
    }
}
