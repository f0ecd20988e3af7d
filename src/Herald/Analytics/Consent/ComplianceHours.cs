using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

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

    /// <summary>
    /// The tallies of [from, to) in time order. Caller holds the pending read lock (held while the scans run, on this
    /// thread and on the pool's: they read and write nothing the writer changes meanwhile).
    /// </summary>
    public List<ComplianceTally> Tallies(int teamId, UtcMinute from, UtcMinute to, QuietRules rules, out TeamConsent consent)
    {
        consent = _timelines.Of(teamId);
        if (from >= to) return [];
        long version = _changes.Version; // before reading anything: a change made meanwhile leaves what is kept stale
        rules.Prepare(from.Floor(Granularity.Hour).Value, to.Value);
        var context = new ScanContext(this, teamId, consent, rules);

        long firstWhole = (from.Value + 59) / 60 * 60, endWhole = to.Value / 60 * 60;
        var jobs = new List<Scan>();
        if (firstWhole >= endWhole)
        {
            jobs.Add(new Scan(from.Value, to.Value, ByHour: false, Slot: 0));
            return Run(context, jobs, 1, version);
        }
        int hours = (int)((endWhole - firstWhole) / 60);
        int head = from.Value < firstWhole ? 1 : 0;
        var parts = new ComplianceTally?[head + hours + (endWhole < to.Value ? 1 : 0)];
        if (head == 1) jobs.Add(new Scan(from.Value, firstWhole, ByHour: false, Slot: 0));
        if (endWhole < to.Value) jobs.Add(new Scan(endWhole, to.Value, ByHour: false, Slot: parts.Length - 1));

        int[] team = [teamId];
        int stale = 0;
        lock (_gate)
            for (int i = 0; i < hours; i++)
            {
                long hour = firstWhole + i * 60L;
                if (_kept.TryGetValue((teamId, hour), out var k) && k.Consent == consent && k.RulesFingerprint == rules.Fingerprint
                    && !_changes.ChangedSince(k.Version, team, DataSource.Consent, new UtcMinute(hour), new UtcMinute(hour + 60)))
                    parts[head + i] = k.Tally;
                else stale++;
            }
        // Runs of hours to read, cut so the cores share them.
        int chunk = Math.Max(1, (stale + Environment.ProcessorCount - 1) / Environment.ProcessorCount);
        for (int i = 0; i < hours;)
        {
            if (parts[head + i] is not null)
            {
                i++;
                continue;
            }
            int end = i;
            while (end < hours && parts[head + end] is null && end - i < chunk) end++;
            jobs.Add(new Scan(firstWhole + i * 60L, firstWhole + end * 60L, ByHour: true, Slot: head + i));
            i = end;
        }
        var scanned = Run(context, jobs, parts.Length, version);
        var result = new List<ComplianceTally>(parts.Length);
        for (int i = 0; i < parts.Length; i++) result.Add(parts[i] ?? scanned[i]);
        return result;
    }

    /// <summary>A stretch to read: [from, to) in Unix minutes, one tally per hour (kept) or one in all, placed from <see cref="Slot"/> on.</summary>
    private readonly record struct Scan(long FromMinute, long ToMinute, bool ByHour, int Slot);

    private List<ComplianceTally> Run(ScanContext context, List<Scan> jobs, int slots, long version)
    {
        var parts = new ComplianceTally[slots];
        void Do(Scan job)
        {
            var tallies = new Judge(context).Read(job.FromMinute, job.ToMinute, job.ByHour);
            Array.Copy(tallies, 0, parts, job.Slot, tallies.Length);
            lock (_gate)
            {
                HoursScanned += tallies.Length;
                if (!job.ByHour) return;
                for (int j = 0; j < tallies.Length; j++)
                    Keep((context.TeamId, job.FromMinute + j * 60L), new Kept(version, context.Rules.Fingerprint, context.Consent, tallies[j]));
            }
        }
        if (jobs.Count == 1) Do(jobs[0]);
        else if (jobs.Count > 1) Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, Do);
        return [.. parts];
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

    /// <summary>What the scans of one question share, read-only while they run: inbound sets, the writer's pending items.</summary>
    private sealed class ScanContext
    {
        public readonly ComplianceHours Owner;
        public readonly int TeamId;
        public readonly TeamConsent Consent;
        public readonly QuietRules Rules;
        public readonly HashSet<int> Inbound = new();
        public readonly HashSet<long> PendingRefs = new();
        public readonly List<ItemRecord> PendingItems = new();

        public ScanContext(ComplianceHours owner, int teamId, TeamConsent consent, QuietRules rules)
        {
            Owner = owner;
            TeamId = teamId;
            Consent = consent;
            Rules = rules;
            foreach (int id in owner._registry.SetsOf(teamId))
                if (owner._registry.Get(id).IsInbound) Inbound.Add(id);
            foreach (var item in owner._pending.ItemsOfTeam(teamId))
            {
                PendingRefs.Add(item.Id);
                PendingItems.Add(item);
            }
        }
    }

    /// <summary>Reads one stretch of sends and judges each: its tallies and the quiet masks of the hour it is in.</summary>
    private sealed class Judge(ScanContext context)
    {
        private long _maskHour = long.MinValue;
        private ulong[] _masks = [];
        private ComplianceTally[] _tallies = [];
        private long _fromMinute;
        private bool _byHour;

        /// <summary>Tallies of [from, to) (Unix minutes): one per hour when <paramref name="byHour"/> (from on an hour), else one.</summary>
        public ComplianceTally[] Read(long fromMinute, long toMinute, bool byHour)
        {
            _fromMinute = fromMinute;
            _byHour = byHour;
            _tallies = new ComplianceTally[byHour ? (toMinute - fromMinute) / 60 : 1];
            for (int i = 0; i < _tallies.Length; i++) _tallies[i] = new ComplianceTally();
            long fromMs = fromMinute * UtcMinute.MillisPerMinute, toMs = toMinute * UtcMinute.MillisPerMinute;
            context.Owner._reader.ScanItemsByEarliest(context.TeamId, fromMs, toMs, Stored);
            foreach (var item in context.PendingItems)
                if (item.EarliestAtMs >= fromMs && item.EarliestAtMs < toMs)
                    Judge1(item.Id, item.ItemId, item.EarliestAtMs, item.DimensionSetId, item.Recipient is not null, item.Recipient, pending: true);
            foreach (var t in _tallies) t.Complete();
            return _tallies;
        }

        private void Stored(long itemRef, long earliestAtMs, int dimensionSetId, bool hasRecipient, ReadOnlySpan<char> recipient)
        {
            if (context.PendingRefs.Contains(itemRef)) return; // judged from the writer's newer state instead
            Judge1(itemRef, null, earliestAtMs, dimensionSetId, hasRecipient, recipient, pending: false);
        }

        private void Judge1(long itemRef, string? itemId, long atMs, int dimensionSetId, bool hasRecipient, ReadOnlySpan<char> recipient, bool pending)
        {
            if (context.Inbound.Contains(dimensionSetId)) return;
            long minute = UtcMinute.FromUnixMillis(atMs).Value;
            var tally = _tallies[_byHour ? (minute - _fromMinute) / 60 : 0];
            ConsentTimeline? contact = null;
            if (hasRecipient && (contact = context.Consent.Of(recipient)) is not null
                && contact.InForce(atMs) is var p and >= 0 && contact.StateOf(p) >= ConsentKeywords.OptOutCode)
                tally.AddOptedOut(new ConsentHit(contact, itemRef, itemId, atMs, contact.StateOf(p), contact.AtOf(p)), pending);

            int rule = context.Rules.RuleOf(hasRecipient, recipient);
            if (rule < 0) return;
            long hour = minute - (minute % 60 + 60) % 60;
            if (hour != _maskHour)
            {
                _masks = context.Rules.MasksOf(hour);
                _maskHour = hour;
            }
            if ((_masks[rule] >> (int)(minute - hour) & 1) == 0) return;
            string? name = hasRecipient ? contact?.Recipient ?? (pending || tally.QuietExamples.Count < ComplianceTally.MaxExamples ? recipient.ToString() : null) : null;
            tally.AddQuiet(new QuietHit(name, itemRef, itemId, atMs, rule), pending);
        }
    }
}
