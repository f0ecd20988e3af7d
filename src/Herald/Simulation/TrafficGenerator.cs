namespace Herald.Simulation;

/// <summary>
/// Produces realistic, deterministic delivery traffic for benchmarks, tests and the live demo: many items'
/// lifecycles interleaved along a clock, with the duplicates, swapped callbacks and dimension-less callbacks
/// that real providers send. Only in-flight items are held, so memory stays bounded for any count.
/// </summary>
public sealed class TrafficGenerator
{
    private readonly TeamWorld[] _teams;
    private readonly double[] _teamCumulative;
    private readonly TimeProvider _clock;

    /// <summary>Validates the profile and builds each team's accounts, campaigns and recipient pool.</summary>
    public TrafficGenerator(SimulationProfile profile)
        : this(profile, TimeProvider.System)
    {
    }

    /// <summary>As above; <paramref name="clock"/> drives <see cref="SimulationProfile.RealTime"/> mode (tests may fake it).</summary>
    public TrafficGenerator(SimulationProfile profile, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(clock);
        profile.Validate();
        Profile = profile;
        _clock = clock;
        _teams = TrafficWorld.BuildTeams(profile);
        _teamCumulative = TrafficWorld.TeamCumulative(_teams.Length);
        var names = new string[_teams.Length];
        for (int i = 0; i < names.Length; i++) names[i] = _teams[i].Name;
        TeamNames = names;
    }

    public SimulationProfile Profile { get; }

    /// <summary>The teams events are generated for ("acme", "globex", "initech", "team-4"...).</summary>
    public IReadOnlyList<string> TeamNames { get; }

    /// <summary>The accounts of a team, in the order the simulator names them.</summary>
    public IReadOnlyList<string> AccountsOf(string teamName)
    {
        foreach (var team in _teams)
            if (team.Name == teamName) return team.Accounts;
        throw new ArgumentException("Unknown team: " + teamName, nameof(teamName));
    }

    /// <summary>
    /// Yields exactly <paramref name="count"/> events (use <see cref="long.MaxValue"/> for an endless stream),
    /// roughly in occurred_at order. Each enumeration starts over: same profile, same sequence (in
    /// <see cref="SimulationProfile.RealTime"/> mode only the timestamps differ).
    /// </summary>
    public IEnumerable<SimulatedEvent> Generate(long count)
    {
        var run = new GeneratorRun(Profile, _teams, _teamCumulative, Profile.RealTime ? _clock : null);
        for (long produced = 0; produced < count; produced++)
            yield return run.Next();
    }

    /// <summary>
    /// The same stream as <see cref="Generate"/>, in chunks of <paramref name="batchSize"/> (the last may be
    /// smaller). Every chunk is a fresh array the caller may keep.
    /// </summary>
    public IEnumerable<IReadOnlyList<SimulatedEvent>> GenerateBatches(long count, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return Batches(count, batchSize);
    }

    private IEnumerable<IReadOnlyList<SimulatedEvent>> Batches(long count, int batchSize)
    {
        if (count <= 0) yield break;
        var run = new GeneratorRun(Profile, _teams, _teamCumulative, Profile.RealTime ? _clock : null);
        long remaining = count;
        while (remaining > 0)
        {
            int size = (int)Math.Min(batchSize, remaining);
            var batch = new SimulatedEvent[size];
            for (int i = 0; i < size; i++) batch[i] = run.Next();
            remaining -= size;
            yield return batch;
        }
    }
}
