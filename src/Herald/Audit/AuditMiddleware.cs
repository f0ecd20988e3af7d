using Herald.Api;

namespace Herald.Audit;

/// <summary>
/// Records every API write (and the reads of routes marked <see cref="AuditEndpointConventions.AuditsReads"/>) when its
/// answer starts, so the status is final and the entry is stored before the client sees the change accepted. The body of a
/// write is kept (in memory up to 64 KB, then in a temporary file, within the route's 1 MB cap) to name the fields it set;
/// routes that take event batches (<see cref="LargeBodyMetadata"/>) keep nothing. A throttled call (429) is not recorded
/// per call: the throttle records that it began.
/// </summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditTrail trail, TimeProvider time, ILogger<AuditMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        if (endpoint is null || !http.Request.Path.StartsWithSegments("/api"))
        {
            await next(http);
            return;
        }
        bool write = AuditRequests.IsWrite(http.Request.Method);
        bool keepBody = write && endpoint.Metadata.GetMetadata<LargeBodyMetadata>() is null;
        if (keepBody) http.Request.EnableBuffering(AuditRequests.BodyBytesHeldInMemory);
        // Reads are recorded when the route says so, or when the caller's address was refused (known only later).
        var request = new AuditedRequest(http, write || endpoint.Metadata.GetMetadata<AuditReadsMetadata>() is not null, keepBody, trail, time, logger);
        if (write) http.Features.Set<IAuditClaimSource>(request);
        http.Response.OnStarting(static state => ((AuditedRequest)state).RecordAsync(), request);
        await next(http);
        // An answer without a body may not have started yet; an exception is answered (and recorded) by the error middleware outside.
        if (!http.Response.HasStarted) await request.RecordAsync();
    }

    private sealed class AuditedRequest(HttpContext http, bool audited, bool keepBody, AuditTrail trail, TimeProvider time, ILogger logger)
        : IAuditClaimSource
    {
        private int _recorded;

        public async Task<AuditClaim?> ClaimAsync()
        {
            if (!audited || Interlocked.Exchange(ref _recorded, 1) == 1) return null;
            try
            {
                var changes = keepBody ? await ChangedFieldsAsync() : null;
                if (AuditRequests.EntryOf(http, 0, time.GetUtcNow().ToUnixTimeMilliseconds(), changes) is { } draft) return new AuditClaim(draft, this);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "the audit entry of {Method} {Path} stays with the middleware", http.Request.Method, http.Request.Path);
            }
            GiveBack();
            return null;
        }

        public void GiveBack() => Volatile.Write(ref _recorded, 0);

        public async Task RecordAsync()
        {
            int status = http.Response.StatusCode;
            if (status == StatusCodes.Status429TooManyRequests || Interlocked.Exchange(ref _recorded, 1) == 1) return;
            if (!audited && !http.Items.ContainsKey(Api.Auth.ClientAddressRequirement.RefusedItem)) return;
            try
            {
                var changes = keepBody && status is >= 200 and < 300 ? await ChangedFieldsAsync() : null;
                if (AuditRequests.EntryOf(http, status, time.GetUtcNow().ToUnixTimeMilliseconds(), changes) is { } entry)
                    await trail.RecordAsync(entry);
            }
            catch (Exception e)
            {
                // The change has been made; failing the answer now would hide it from the client without undoing it.
                logger.LogError(e, "could not record the audit entry of {Method} {Path}", http.Request.Method, http.Request.Path);
            }
        }

        private async Task<IReadOnlyList<string>?> ChangedFieldsAsync()
        {
            var body = http.Request.Body;
            if (!body.CanSeek || body.Length == 0) return null;
            var bytes = new byte[(int)Math.Min(body.Length, RequestBodyLimits.DefaultBytes)];
            body.Position = 0;
            int read = await body.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, http.RequestAborted);
            return AuditRequests.FieldNames(bytes.AsSpan(0, read));
        }
    }
}
