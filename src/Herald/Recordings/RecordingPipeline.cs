using System.Text.Json;
using Herald.Calls;
using Herald.Deliveries;
using Herald.Outbound;
using Herald.Storage;
using Herald.Webhooks;

namespace Herald.Recordings;

/// <summary>The transcription as stored and answered (the seed's fields; processing_time in seconds).</summary>
public sealed record TranscriptionDto(string Text, double Confidence, string Language, double ProcessingTime);

/// <summary>A processing attempt that must not be tried again (the audio's host is not allowed, or the audio is unusable).</summary>
public sealed class PermanentRecordingException(string message) : Exception(message);

/// <summary>
/// Twilio's RecordingStatusCallback becomes a pending recording of the call; the queue's worker then downloads its audio
/// (only from Herald:Recordings:AllowedHosts, through the outbound guard, with the team's Twilio credentials), keeps it in
/// the audio store, transcribes and analyses it, and writes what it found to the call and the delivery.
/// </summary>
public sealed class RecordingPipeline(
    ICallStore calls, IDeliveryStore deliveries, IAudioStore audio, ITranscriber transcriber, ICallAnalyzer analyzer, IHttpClientFactory clients, DeliveryWriter writer,
    RecordingOptions options, TimeProvider time, ILogger<RecordingPipeline> logger) : IDisposable
{
    private readonly SemaphoreSlim _transcribing = new(options.Transcriptions);
    /// <summary>The prefix of recordings' ids.</summary>
    public const string RecordingPrefix = "rec_";
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes the worker: a recording is due now.</summary>
    public void Signal() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>
    /// Completes at the first <see cref="Signal"/> after this call. Taken before looking for work, so that a recording queued
    /// while the worker looks is not missed.
    /// </summary>
    public Task NextSignal()
    {
        var current = Volatile.Read(ref _wake);
        if (!current.Task.IsCompleted) return current.Task;
        var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (Interlocked.CompareExchange(ref _wake, fresh, current) == current ? fresh : Volatile.Read(ref _wake)).Task;
    }

    /// <summary>
    /// A RecordingStatusCallback of the team: a completed recording of a call Herald placed becomes a pending recording
    /// (a repeated callback answers the stored one). Answers (null, null) for a status that is not <c>completed</c>;
    /// a refusal names the form field.
    /// </summary>
    public async Task<(RecordingRecord? Recording, Outcome<RecordingRecord>? Refusal)> ReceiveAsync(int teamId, WebhookForm form)
    {
        string? callSid = WebhookText.Clean(form.Get("CallSid"), 64);
        if (callSid is null) return (null, Outcome<RecordingRecord>.Invalid("CallSid", "is required"));
        string? sid = WebhookText.Clean(form.Get("RecordingSid"), 64);
        if (sid is null) return (null, Outcome<RecordingRecord>.Invalid("RecordingSid", "is required"));
        string? status = WebhookText.Clean(form.Get("RecordingStatus"), 32)?.ToLowerInvariant();
        string? url = form.Get("RecordingUrl")?.Trim();
        if (string.IsNullOrEmpty(url) || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return (null, Outcome<RecordingRecord>.Invalid("RecordingUrl", "is required: an http or https URL of at most 2000 characters"));
        int duration = 0;
        if (form.Get("RecordingDuration") is { Length: > 0 } d && (!int.TryParse(d, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out duration) || duration > 86_400))
            return (null, Outcome<RecordingRecord>.Invalid("RecordingDuration", "must be a whole number of seconds from 0 to 86400"));
        if (calls.FindCallBySid(callSid) is not { } call || call.TeamId != teamId)
            return (null, Outcome<RecordingRecord>.NotFound($"no call with CallSid '{callSid}' was placed by this team"));
        if (status is not (null or "completed")) return (null, null);

        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var (recording, created) = calls.InsertRecording(new RecordingRecord(0, PublicIds.New(RecordingPrefix, now), teamId, call.Id, call.PublicId,
            call.DeliveryId, call.DeliveryPublicId, sid, url, null, duration, null, null, null, null, RecordingStatuses.Pending, 0, now, null, null, null, 0, null, now, now));
        if (created)
        {
            await UpdateDeliveryAsync(recording, d => d with { RecordingId = recording.PublicId });
            Signal();
        }
        return (recording, null);
    }

    /// <inheritdoc/>
    public void Dispose() => _transcribing.Dispose();

    /// <summary>Claims up to <paramref name="limit"/> recordings due, in one transaction.</summary>
    public IReadOnlyList<RecordingRecord> Claim(int limit)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return calls.ClaimRecordings(now, now + (long)options.ClaimLease.TotalMilliseconds, limit);
    }

    /// <summary>Processes a claimed recording: completed, or failed (pending again after the backoff while attempts remain).</summary>
    public async Task ProcessClaimedAsync(RecordingRecord recording, CancellationToken ct)
    {
        StoredAudio? downloaded = null;
        try
        {
            await ProcessAsync(recording, stored => downloaded = stored, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            bool last = e is PermanentRecordingException || recording.ProcessingAttempts >= options.MaxAttempts;
            long at = time.GetUtcNow().ToUnixTimeMilliseconds();
            long? retry = last ? null : at + (long)(options.RetryBackoff.TotalMilliseconds * Math.Pow(2, recording.ProcessingAttempts - 1));
            string message = e.Message.Length > 1000 ? e.Message[..1000] : e.Message;
            // The audio this attempt stored is kept for the next one, which then does not download it again.
            if (downloaded is not null) calls.SetRecordingAudio(recording.Id, downloaded.Key, downloaded.Size, downloaded.Format, at);
            calls.FailRecording(recording.Id, message, retry, at);
            logger.LogWarning("recording {Recording}: attempt {Attempt} failed{Final}: {Error}", recording.PublicId, recording.ProcessingAttempts,
                last ? " for good" : "", message);
        }
    }

    /// <summary>When the next pending recording is due.</summary>
    public long? NextDueAtMs() => calls.NextRecordingDueAtMs();

    private async Task ProcessAsync(RecordingRecord recording, Action<StoredAudio> stored, CancellationToken ct)
    {
        StoredAudio? downloaded = null;
        string key = recording.AudioKey ?? (downloaded = await DownloadAsync(recording, ct)).Key;
        if (downloaded is not null) stored(downloaded);
        Transcript? transcript = null;
        if (transcriber.NeedsAudio)
        {
            byte[] wav;
            await using (var stream = await audio.OpenReadAsync(key, ct) ?? throw new InvalidOperationException($"the stored audio '{key}' is missing"))
            using (var buffer = new MemoryStream())
            {
                await stream.CopyToAsync(buffer, ct);
                wav = buffer.ToArray();
            }
            await _transcribing.WaitAsync(ct);
            try
            {
                transcript = await transcriber.TranscribeAsync(wav, ct);
            }
            catch (InvalidDataException e)
            {
                throw new PermanentRecordingException(e.Message);
            }
            finally
            {
                _transcribing.Release();
            }
        }
        // A model's bad answer may be right on the next attempt: it is retried like a failed download, not failed at once.
        var analysis = await analyzer.AnalyzeAsync(transcript?.Text, transcript?.Confidence ?? 0, ct);
        string? transcriptionJson = transcript is null ? null : JsonSerializer.Serialize(
            new TranscriptionDto(transcript.Text, transcript.Confidence, transcript.Language, transcript.ProcessingTimeMs / 1000.0), Json);
        string analysisJson = JsonSerializer.Serialize(analysis, Json);
        if (analysis.Instructions is not null || analysis.Priority == "urgent") await UpdateDeliveryAsync(recording, d => ApplyAnalysis(d, analysis));
        calls.CompleteRecording(recording, downloaded, transcript?.Text, transcriptionJson, analysisJson, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>What a call's analysis changes on its delivery: the customer's instructions become the package's special instructions, and urgency raises the priority.</summary>
    public static DeliveryRecord ApplyAnalysis(DeliveryRecord delivery, CallAnalysis analysis)
    {
        var package = PackageDetails.FromJson(delivery.PackageDetailsJson) ?? PackageDetails.None;
        if (analysis.Instructions is { } said)
            package = package with { SpecialInstructions = said.Length > Fields.MaxNotesLength ? said[..Fields.MaxNotesLength] : said };
        return delivery with
        {
            PackageDetailsJson = package.ToJson(),
            Priority = analysis.Priority == "urgent" ? DeliveryPriority.Urgent : delivery.Priority,
        };
    }

    private async Task<StoredAudio> DownloadAsync(RecordingRecord recording, CancellationToken ct)
    {
        var uri = new Uri(recording.SourceUrl);
        if (!options.AllowsHost(uri.Host))
            throw new PermanentRecordingException($"the recording's host '{uri.Host}' is not in Herald:Recordings:AllowedHosts; it was not downloaded");
        var account = TwilioSettings.FromJson(deliveries.DeliverySettings(recording.TeamId)?.TwilioJson)
            ?? throw new InvalidOperationException("the team has no Twilio account to download the recording with (PUT /api/v1/delivery-settings)");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = TwilioVoiceClient.Basic(account);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.DownloadTimeout);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(OutboundHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the recording could not be downloaded from {uri.Host}: {OutboundFailure.Describe(e)}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"the recording's host answered {(int)response.StatusCode} to the download");
            if (response.Content.Headers.ContentLength > options.MaxAudioBytes)
                throw new PermanentRecordingException($"the recording is larger than {options.MaxAudioBytes} bytes (Herald:Recordings:MaxAudioBytes)");
            string key = $"recordings/{recording.TeamId}/{recording.PublicId}.wav";
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            long size = await audio.PutAsync(key, new CappedStream(body, options.MaxAudioBytes), timeout.Token);
            return new StoredAudio(key, size, "wav");
        }
    }

    private async Task UpdateDeliveryAsync(RecordingRecord recording, Func<DeliveryRecord, DeliveryRecord> change)
    {
        var outcome = await writer.ExecuteAsync((s, ctx) =>
        {
            if (s.FindDelivery(recording.TeamId, recording.DeliveryPublicId) is not { } d) return Outcome<DeliveryRecord>.NotFound("gone");
            var changed = change(d) with { UpdatedAtMs = ctx.NowMs };
            s.UpdateDelivery(changed);
            return Outcome<DeliveryRecord>.Ok(changed);
        });
        if (!outcome.IsOk) logger.LogWarning("recording {Recording}: its delivery {Delivery} is gone", recording.PublicId, recording.DeliveryPublicId);
    }

    /// <summary>Reads through to the inner stream and refuses to go past the cap (a body that lied about its length, or sent none).</summary>
    private sealed class CappedStream(Stream inner, long cap) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int n)
        {
            _read += n;
            if (_read > cap) throw new PermanentRecordingException($"the recording is larger than {cap} bytes (Herald:Recordings:MaxAudioBytes)");
            return n;
        }
    }
}

/// <summary>
/// Runs the recordings queue: returns the claims a stopped process left at start, then keeps up to
/// <see cref="RecordingOptions.Workers"/> recordings in processing, claiming as many as there are free places in one transaction.
/// </summary>
public sealed class RecordingWorker(RecordingPipeline pipeline, ICallStore calls, RecordingOptions options, TimeProvider time, ILogger<RecordingWorker> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One process holds the data directory, so every processing row at start was left by one that stopped.
        int released = calls.ReleaseClaims(time.GetUtcNow().ToUnixTimeMilliseconds());
        if (released > 0) logger.LogInformation("recordings: {Count} claimed by a stopped process are queued again", released);
        var running = new List<Task>(options.Workers);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var signal = pipeline.NextSignal();
                running.RemoveAll(t => t.IsCompleted);
                int free = options.Workers - running.Count;
                bool more = false;
                try
                {
                    if (free > 0)
                    {
                        var claimed = pipeline.Claim(free);
                        foreach (var recording in claimed) running.Add(ProcessAsync(recording, stoppingToken));
                        more = claimed.Count == free;
                    }
                    if (more) continue;
                    var wait = MaxSleep;
                    if (free > 0 && pipeline.NextDueAtMs() is { } due)
                        wait = TimeSpan.FromMilliseconds(Math.Clamp(due - time.GetUtcNow().ToUnixTimeMilliseconds(), 1, MaxSleep.TotalMilliseconds));
                    using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var waits = new List<Task>(running) { signal, Task.Delay(wait, time, sleep.Token) };
                    await Task.WhenAny(waits);
                    await sleep.CancelAsync();
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(e, "recordings: the queue could not be read");
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        }
        finally
        {
            try
            {
                await Task.WhenAll(running);
            }
            catch (OperationCanceledException)
            {
                // stopping: the claims are taken again at the next start
            }
        }
    }

    private async Task ProcessAsync(RecordingRecord recording, CancellationToken ct)
    {
        try
        {
            await pipeline.ProcessClaimedAsync(recording, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Its failure could not be stored either: the lease runs out and it is claimed again.
            logger.LogError(e, "recording {Recording}: its outcome could not be stored", recording.PublicId);
        }
    }
}
