using System.Text.Json;
using Herald.Storage;

namespace Herald.Snapshots;

/// <summary>What one generation run over every team did for one period.</summary>
public sealed record SnapshotRunResult(SnapshotPeriod Period, int TeamsSucceeded, int TeamsFailed, int SnapshotsWritten, IReadOnlyList<TeamFailure> Failures);

public sealed record TeamFailure(int TeamId, string TeamName, string Error);

/// <summary>
/// Generates and stores the snapshots of a period for every team. Each team is built and upserted on its own: one
/// team's failure is logged and counted, and the others still get their snapshots (seed 002's per-team isolation).
/// Upserts replace the row of the same team, account, type and date, so a run repeated or a backfill over stored
/// periods never duplicates. Each team's generation warms its dashboard metrics (<see cref="DashboardMetrics"/>).
/// </summary>
public sealed class SnapshotService(SnapshotBuilder builder, ISnapshotStore store, IDirectoryStore directory, TimeProvider time, ILogger<SnapshotService> logger,
    Herald.Engine.DataChanges? changes = null, DashboardMetrics? dashboard = null)
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public SnapshotRunResult Generate(SnapshotPeriod period, CancellationToken ct = default)
    {
        int ok = 0, written = 0;
        var failures = new List<TeamFailure>();
        foreach (var team in directory.ListTeams())
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                written += GenerateForTeam(team.Id, period);
                ok++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add(new TeamFailure(team.Id, team.Name, e.Message));
                logger.LogError(e, "{Period} snapshot of team {Team} failed; the other teams go on", period, team.Name);
            }
        }
        return new SnapshotRunResult(period, ok, failures.Count, written, failures);
    }

    /// <summary>Builds and stores one team's snapshots of the period (team-wide and per account); answers how many.</summary>
    public int GenerateForTeam(int teamId, SnapshotPeriod period) => GenerateStored(teamId, period, null).Count;

    /// <summary>
    /// Seed 002's <c>generateSnapshot(teamId, accountId, date, type)</c>: the team's snapshots of the period (team-wide and per
    /// account with traffic), or only <paramref name="account"/>'s; answers the stored rows.
    /// </summary>
    public IReadOnlyList<SnapshotRecord> GenerateStored(int teamId, SnapshotPeriod period, string? account)
    {
        var built = builder.Build(teamId, period, account);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var records = built.Select(b => new SnapshotRecord(b.TeamId, b.Account, period.DateText, SnapshotTypes.Name(period.Type),
            period.Start.ToUnixMillis(), period.End.ToUnixMillis(), JsonSerializer.Serialize(b.Metrics, Json), now, now)).ToList();
        store.UpsertSnapshots(records);
        changes?.RecordSnapshots(teamId);
        Warm(teamId);
        return records;
    }

    /// <summary>Seed 002's cache warming: the team's dashboard windows, computed now rather than on the next dashboard request.</summary>
    private void Warm(int teamId)
    {
        if (dashboard is null) return;
        try
        {
            dashboard.Warm(teamId);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "could not warm the dashboard metrics of team {Team}", teamId);
        }
    }
}
