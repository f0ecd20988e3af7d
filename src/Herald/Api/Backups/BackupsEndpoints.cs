using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Api.Auth;
using Herald.Backup;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Backups;

/// <summary>One backup in the store. <c>sha256</c> is that of the stored (encrypted) file, null when the store has none recorded.</summary>
public sealed record BackupDto(string Name, string CreatedAt, long SizeBytes, string Store, string? Sha256);

/// <summary>The store's backups, newest first, and where the store is.</summary>
public sealed record BackupListDto(string Store, string Location, int Total, IReadOnlyList<BackupDto> Backups);

public sealed class BackupListParameters
{
    [FromQuery(Name = "limit"), Description("At most this many backups, newest first. Default: 100.")]
    [Range(1, 1000)]
    public int? Limit { get; init; }
}

/// <summary>
/// <c>/api/v1/admin/backups</c> (admin keys only): the backups in the configured store, and a backup taken now (the
/// scheduled job's run: into the store, then retention).
/// </summary>
public static class BackupsEndpoints
{
    public static IEndpointRouteBuilder MapBackupsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/backups").RequireScope(Scopes.Admin).WithTags("Backups");
        group.MapGet("", List).WithSummary("The backups in the backup store, newest first: name, created_at, size_bytes, store, sha256");
        group.MapPost("", Create).WithSummary("Take a backup now into the backup store, then apply retention (as the scheduled job does)");
        return app;
    }

    private static async Task<Results<Ok<SuccessEnvelope<BackupListDto>>, ErrorResult<ErrorStatus.BadGateway>>> List(
        [AsParameters] BackupListParameters parameters, BackupRunner backups, ILogger<BackupRunner> logger, CancellationToken ct)
    {
        var store = backups.Store;
        IReadOnlyList<StoredBackup> stored;
        try
        {
            stored = await store.ListAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "listing the backup store {Store} failed", store.Location);
            return ApiResults.Error<ErrorStatus.BadGateway>("backup_store_unavailable",
                $"the backup store ({store.Kind}) could not be listed: {Outbound.OutboundFailure.Describe(e)}");
        }
        var newestFirst = stored.Reverse().Take(parameters.Limit ?? 100)
            .Select(b => new BackupDto(b.Name, Domain.Timestamps.Iso(b.CreatedAt), b.SizeBytes, store.Kind, b.Sha256)).ToList();
        return ApiResults.Ok(new BackupListDto(store.Kind, store.Location, stored.Count, newestFirst));
    }

    private static async Task<Ok<SuccessEnvelope<BackupRunSummary>>> Create(BackupRunner backups, CancellationToken ct) =>
        ApiResults.Ok(await backups.RunAsync("manual", ct));
}
