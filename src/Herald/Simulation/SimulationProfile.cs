namespace Herald.Simulation;

/// <summary>
/// The knobs of the traffic simulator. Defaults give a realistic mix (three tenants, four kinds, providers
/// with their own delivery rates) and the messy parts Herald must survive: duplicates, out-of-order and
/// dimension-less callbacks. Same profile and seed, same traffic.
/// </summary>
public sealed record SimulationProfile
{
    /// <summary>Unix ms of 2026-01-01T00:00:00Z, the default start of the simulated clock.</summary>
    public const long DefaultStartTimeMs = 1_767_225_600_000;

    /// <summary>Seed of the single <see cref="System.Random"/> that drives every choice.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Number of teams (tenants); see <see cref="TeamName"/> for their names.</summary>
    public int Teams { get; init; } = 3;

    public int AccountsPerTeam { get; init; } = 2;

    public int CampaignsPerTeam { get; init; } = 4;

    /// <summary>Distinct recipients (phone number + email address) per team.</summary>
    public int RecipientsPerTeam { get; init; } = 5_000;

    /// <summary>Relative weights of the item kinds (normalised, need not sum to 1).</summary>
    public double MessageShare { get; init; } = 0.70;
    public double OtpShare { get; init; } = 0.20;
    public double CallShare { get; init; } = 0.05;
    public double ParcelShare { get; init; } = 0.05;

    /// <summary>Share of emitted events sent a second time, identically (same event_id, or same none).</summary>
    public double DuplicateRate { get; init; } = 0.03;

    /// <summary>Share of items (with at least two callbacks) whose two consecutive callbacks arrive swapped.</summary>
    public double OutOfOrderRate { get; init; } = 0.10;

    /// <summary>
    /// Share of provider callbacks that carry no dimension (no kind, account, channel, provider, route,
    /// recipient, country, direction): Herald must inherit them from the item's first (app) event.
    /// </summary>
    public double LateDimensionRate { get; init; } = 0.30;

    /// <summary>Share of events without an event_id (Herald then dedupes by item + status + time).</summary>
    public double MissingEventIdRate { get; init; } = 0.20;

    /// <summary>
    /// Share of items whose events (except dimension-less callbacks) state <c>country</c>, about half of all
    /// events at the default; on the others Herald derives it from the E.164 recipient.
    /// </summary>
    public double ExplicitCountryRate { get; init; } = 0.62;

    /// <summary>Share of message items that are inbound (a person writing in, with a text such as STOP or HELP).</summary>
    public double InboundRate { get; init; } = 0.05;

    /// <summary>Unix ms where the simulated clock starts (ignored in <see cref="RealTime"/> mode).</summary>
    public long StartTimeMs { get; init; } = DefaultStartTimeMs;

    /// <summary>
    /// Simulated-time speed: new items started per simulated second (before the daily cycle). Higher means
    /// less simulated time per event: at 100, ten million events span about eight simulated hours.
    /// Ignored in <see cref="RealTime"/> mode, where the caller's pace decides.
    /// </summary>
    public double ItemsPerSecond { get; init; } = 100;

    /// <summary>Modulate the arrival rate with a daily cycle (peak mid-afternoon UTC, trough at night).</summary>
    public bool DailyCycle { get; init; } = true;

    /// <summary>
    /// Multiplies every duration inside an item's lifecycle (latencies, ringing, parcel transit). 1 is
    /// realistic; a live demo may use 0.05 so that parcels complete in minutes rather than hours.
    /// </summary>
    public double LifecycleTimeScale { get; init; } = 1.0;

    /// <summary>
    /// occurred_at follows the wall clock (the first item starts now) instead of a simulated clock: new items
    /// start when the caller asks for an event and no pending event is due. The caller paces the rate.
    /// </summary>
    public bool RealTime { get; init; }

    /// <summary>
    /// Inserted in item and event ids ("msg_acme_&lt;tag&gt;_1", "evt_&lt;tag&gt;_1") so that two runs into the same
    /// server do not collide. Null: no tag in simulated mode (the same seed re-sends the same ids, which
    /// Herald treats as duplicates), the start time in base 36 in <see cref="RealTime"/> mode.
    /// </summary>
    public string? RunTag { get; init; }

    /// <summary>"acme", "globex", "initech", then "team-4", "team-5"... (index is zero-based).</summary>
    public static string TeamName(int index) => index switch
    {
        0 => "acme",
        1 => "globex",
        2 => "initech",
        _ => "team-" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The team names of this profile, in order.</summary>
    public IReadOnlyList<string> TeamNames()
    {
        var names = new string[Teams];
        for (int i = 0; i < names.Length; i++) names[i] = TeamName(i);
        return names;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a knob is out of range.</summary>
    public void Validate()
    {
        if (Teams < 1) throw new ArgumentException("Teams must be at least 1.", nameof(Teams));
        if (AccountsPerTeam < 1) throw new ArgumentException("AccountsPerTeam must be at least 1.", nameof(AccountsPerTeam));
        if (CampaignsPerTeam < 0) throw new ArgumentException("CampaignsPerTeam must not be negative.", nameof(CampaignsPerTeam));
        if (RecipientsPerTeam < 1) throw new ArgumentException("RecipientsPerTeam must be at least 1.", nameof(RecipientsPerTeam));
        if (MessageShare < 0 || OtpShare < 0 || CallShare < 0 || ParcelShare < 0
            || MessageShare + OtpShare + CallShare + ParcelShare <= 0)
            throw new ArgumentException("Kind shares must be non-negative and not all zero.", nameof(MessageShare));
        CheckRate(DuplicateRate, nameof(DuplicateRate));
        CheckRate(OutOfOrderRate, nameof(OutOfOrderRate));
        CheckRate(LateDimensionRate, nameof(LateDimensionRate));
        CheckRate(MissingEventIdRate, nameof(MissingEventIdRate));
        CheckRate(ExplicitCountryRate, nameof(ExplicitCountryRate));
        CheckRate(InboundRate, nameof(InboundRate));
        if (!(ItemsPerSecond > 0)) throw new ArgumentException("ItemsPerSecond must be positive.", nameof(ItemsPerSecond));
        if (!(LifecycleTimeScale > 0)) throw new ArgumentException("LifecycleTimeScale must be positive.", nameof(LifecycleTimeScale));
        if (StartTimeMs < 0) throw new ArgumentException("StartTimeMs must not be negative.", nameof(StartTimeMs));
    }

    private static void CheckRate(double value, string name)
    {
        if (!(value >= 0 && value <= 1)) throw new ArgumentException(name + " must be between 0 and 1.", name);
    }
}
