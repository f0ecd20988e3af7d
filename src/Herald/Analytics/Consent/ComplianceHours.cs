using Herald.Analytics.Caching;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Analytics.Consent;

/// <summary>
/// Compliance tallies of a team's sends (<see cref="ComplianceTally"/>) over a window, one per whole UTC hour plus the
/// partial hours at its edges. A tally is computed by reading the hour's items in time order from the covering index by
/// earliest event (<see cref="IConsentReader.ScanItemsByEarliest"/>), the writer's unflushed item states judged in their
/// place, each send judged against its contact's consent timeline (<see cref="ConsentTimelines"/>) and the quiet rule in
/// force (<see cref="QuietRules"/>).
/// <para>
/// Whole hours are kept and used again while nothing they depend on changed (<see cref="DataChanges"/> with
/// <see cref="DataSource.Consent"/>): an item created, moved to another hour or dimension set, or given its recipient
/// touches its cohort hour; a keyword touches every hour from its own on; a change of any quiet rule changes the rules'
/// fingerprint; a recovery drops everything. So a kept tally is always the one a new scan would give, and a question over
/// 24 hours reads at most two partial hours of items plus the hours that changed.
/// </para>
/// </summary>
public sealed class ComplianceHours : IPendingObserver
{
    /// <summary>Kept tallies hold this many contact numbers at most (about 32 MB) before they are all dropped.</summary>
    public const long MaxKeptContacts = 8_000_000;

    private sealed record Kept(long Version, long RulesFingerprint, TeamConsent Consent, ComplianceTally Tally);

    private readonly IConsentReader _reader;
    private readonly ConsentTimelines _timelines;
    private readonly DataChanges _changes;
    private readonly PendingRollups _pending;
    private readonly DimensionRegistry _registry;
    private readonly Lock _gate = new();
    private readonly Dictionary<(int Team, long Hour), Kept> _kept = new();
    private long _keptContacts;

    public ComplianceHours(IConsentReader reader, ConsentTimelines timelines, DataChanges changes, PendingRollups pending, DimensionRegistry registry)
    {
        _reader = reader;
        _timelines = timelines;
        _changes = changes;
        _pending = pending;
        _registry = registry;
        pending.Observe(this);
    }

    /// <summary>Hours scanned (not kept) by the questions so far, whole or partial: for tests and the benchmark.</summary>
    public long HoursScanned { get; private set; }

    /// <summary>The tallies of [from, to) in time order. Caller holds the pending read lock.</summary>
    public List<ComplianceTally> Tallies(int teamId, UtcMinute from, UtcMinute to, QuietRules rules, out TeamConsent consent)
    {
        consent = _timelines.Of(teamId);
        var result = new List<ComplianceTally>();
        if (from >= to) return result;
        long version = _changes.Version; // before reading anything: a change made meanwhile leaves what is kept stale
        var judge = new Judge(this, teamId, consent, rules);
        long firstWhole = (from.Value + 59) / 60 * 60, endWhole = to.Value / 60 * 60;
        if (firstWhole >= endWhole)
        {
            result.Add(judge.Scan(from.Value, to.Value, byHour: false)[0]);
            return result;
        }
        if (from.Value < firstWhole) result.Add(judge.Scan(from.Value, firstWhole, byHour: false)[0]);

        int hours = (int)((endWhole - firstWhole) / 60);
        var whole = new ComplianceTally?[hours];
        int[] team = [teamId];
        lock (_gate)
            for (int i = 0; i < hours; i++)
            {
                long hour = firstWhole + i * 60L;
                if (_kept.TryGetValue((teamId, hour), out var k) && k.Consent == consent && k.RulesFingerprint == rules.Fingerprint
                    && !_changes.ChangedSince(k.Version, team, DataSource.Consent, new UtcMinute(hour), new UtcMinute(hour + 60)))
                    whole[i] = k.Tally;
            }
        for (int i = 0; i < hours;)
        {
            if (whole[i] is not null)
            {
                i++;
                continue;
            }
            int end = i;
            while (end < hours && whole[end] is null) end++;
            var scanned = judge.Scan(firstWhole + i * 60L, firstWhole + end * 60L, byHour: true);
            lock (_gate)
            {
                for (int j = 0; j < scanned.Length; j++)
                {
                    whole[i + j] = scanned[j];
                    Keep((teamId, firstWhole + (i + j) * 60L), new Kept(version, rules.Fingerprint, consent, scanned[j]));
                }
            }
            i = end;
        }
        foreach (var t in whole) result.Add(t!);
        if (endWhole < to.Value) result.Add(judge.Scan(endWhole, to.Value, byHour: false)[0]);
        return result;
    }

    private void Keep((int, long) key, Kept kept)
    {
        if (_keptContacts + kept.Tally.Contacts.Count > MaxKeptContacts)
        {
            _kept.Clear();
            _keptContacts = 0;
        }
        if (_kept.Remove(key, out var old)) _keptContacts -= old.Tally.Contacts.Count;
        _kept[key] = kept;
        _keptContacts += kept.Tally.Contacts.Count;
    }

    public void OnDeltas(IReadOnlyDictionary<CellKey, CellStats> deltas) { }

    public void OnDiscard()
    {
        lock (_gate)
        {
            _kept.Clear();
            _keptContacts = 0;
        }
    }

    /// <summary>Judges the sends of one question: the team's inbound sets, its pending items, the quiet masks of the hour.</summary>
    private sealed class Judge
    {
        private readonly ComplianceHours _owner;
        private readonly int _teamId;
        private readonly TeamConsent _consent;
        private readonly QuietRules _rules;
        private readonly HashSet<int> _inbound = new();
        private readonly HashSet<long> _pendingRefs = new();
        private readonly List<ItemRecord> _pendingItems = new();
        private long _maskHour = long.MinValue;
        private ulong[] _masks = [];
        private ComplianceTally[] _tallies = [];
        private long _fromMinute;
        private bool _byHour;

        public Judge(ComplianceHours owner, int teamId, TeamConsent consent, QuietRules rules)
        {
            _owner = owner;
            _teamId = teamId;
            _consent = consent;
            _rules = rules;
            foreach (int id in owner._registry.SetsOf(teamId))
                if (owner._registry.Get(id).Direction == "inbound") _inbound.Add(id);
            foreach (var item in owner._pending.ItemsOfTeam(teamId))
            {
                _pendingRefs.Add(item.Id);
                _pendingItems.Add(item);
            }
        }

        /// <summary>Tallies of [from, to) (Unix minutes): one per hour when <paramref name="byHour"/> (from on an hour), else one.</summary>
        public ComplianceTally[] Scan(long fromMinute, long toMinute, bool byHour)
        {
            _fromMinute = fromMinute;
            _byHour = byHour;
            _tallies = new ComplianceTally[byHour ? (toMinute - fromMinute) / 60 : 1];
            for (int i = 0; i < _tallies.Length; i++) _tallies[i] = new ComplianceTally();
            long fromMs = fromMinute * UtcMinute.MillisPerMinute, toMs = toMinute * UtcMinute.MillisPerMinute;
            _owner._reader.ScanItemsByEarliest(_teamId, fromMs, toMs, Stored);
            foreach (var item in _pendingItems)
                if (item.EarliestAtMs >= fromMs && item.EarliestAtMs < toMs)
                    Judge1(item.Id, item.ItemId, item.EarliestAtMs, item.DimensionSetId, item.Recipient is not null, item.Recipient, pending: true);
            lock (_owner._gate) _owner.HoursScanned += byHour ? _tallies.Length : 1;
            foreach (var t in _tallies) t.Complete();
            return _tallies;
        }

        private void Stored(long itemRef, long earliestAtMs, int dimensionSetId, bool hasRecipient, ReadOnlySpan<char> recipient)
        {
            if (_pendingRefs.Contains(itemRef)) return; // judged from the writer's newer state instead
            Judge1(itemRef, null, earliestAtMs, dimensionSetId, hasRecipient, recipient, pending: false);
        }

        private void Judge1(long itemRef, string? itemId, long atMs, int dimensionSetId, bool hasRecipient, ReadOnlySpan<char> recipient, bool pending)
        {
            if (_inbound.Contains(dimensionSetId)) return;
            long minute = UtcMinute.FromUnixMillis(atMs).Value;
            var tally = _tallies[_byHour ? (minute - _fromMinute) / 60 : 0];
            ConsentTimeline? contact = null;
            if (hasRecipient && (contact = _consent.Of(recipient)) is not null
                && contact.InForce(atMs) is var p and >= 0 && contact.StateOf(p) >= ConsentKeywords.OptOutCode)
                tally.AddOptedOut(new ConsentHit(contact, itemRef, itemId, atMs, contact.StateOf(p), contact.AtOf(p)), pending);

            int rule = _rules.RuleOf(hasRecipient, recipient);
            if (rule < 0) return;
            long hour = minute - (minute % 60 + 60) % 60;
            if (hour != _maskHour)
            {
                _masks = _rules.MasksOf(hour);
                _maskHour = hour;
            }
            if ((_masks[rule] >> (int)(minute - hour) & 1) == 0) return;
            string? name = hasRecipient ? contact?.Recipient ?? (pending || tally.QuietExamples.Count < ComplianceTally.MaxExamples ? recipient.ToString() : null) : null;
            tally.AddQuiet(new QuietHit(name, itemRef, itemId, atMs, rule), pending);
        }
    }
}
