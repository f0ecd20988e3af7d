using Herald.Storage;

namespace Herald.Audit;

/// <summary>
/// A write whose audit entry is stored by the code that makes the change, in the change's own transaction (the delivery
/// writer's group), instead of by the audit trail's separate group commit: one commit and one hold of the write lock per
/// group instead of two. <see cref="TakeAsync"/> takes the entry over from <see cref="AuditMiddleware"/>; when the change's
/// transaction did not store it (the store failed, the command threw), <see cref="Release"/> hands it back and the
/// middleware records the answer as it does for every other write.
/// </summary>
public sealed class AuditClaim
{
    private readonly IAuditClaimSource _source;
    private int _stored;

    internal AuditClaim(AuditEntry draft, IAuditClaimSource source)
    {
        Draft = draft;
        _source = source;
    }

    /// <summary>The entry as known before the change: who, from where, what and the fields named; the outcome comes after.</summary>
    public AuditEntry Draft { get; }

    public bool Stored => Volatile.Read(ref _stored) == 1;

    /// <summary>
    /// The entry to store for an answer of <paramref name="status"/>, made at <paramref name="atMs"/>; a create names the
    /// record it made (<paramref name="resourceId"/>), and a refused change set no field.
    /// </summary>
    public AuditEntry Completed(long atMs, int status, string? resourceId) => Draft with
    {
        AtMs = atMs,
        Outcome = status,
        ResourceId = resourceId ?? Draft.ResourceId,
        Changes = status is >= 200 and < 300 ? Draft.Changes : null,
    };

    /// <summary>The transaction that holds the entry committed.</summary>
    public void MarkStored() => Volatile.Write(ref _stored, 1);

    /// <summary>Hands the entry back to the middleware unless it was stored; safe to call in a finally.</summary>
    public void Release()
    {
        if (!Stored) _source.GiveBack();
    }

    /// <summary>Takes over the request's audit entry; null when the request is not an audited write (or is recorded already).</summary>
    public static Task<AuditClaim?> TakeAsync(HttpContext http) =>
        http.Features.Get<IAuditClaimSource>()?.ClaimAsync() ?? Task.FromResult<AuditClaim?>(null);
}

/// <summary>The audited request a claim is taken from (set by <see cref="AuditMiddleware"/> on writes).</summary>
internal interface IAuditClaimSource
{
    Task<AuditClaim?> ClaimAsync();

    void GiveBack();
}
