using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Herald.Domain;
using Herald.Outbound;
using Herald.Storage;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;

namespace Herald.Deliveries;

/// <summary>
/// The server's VAPID key pair (RFC 8292), made once and kept in <c>vapid.key</c> of the data directory (PKCS#8, mode 0600),
/// so the subscriptions browsers made with its public key keep working across restarts.
/// </summary>
public sealed class VapidKeys
{
    private VapidKeys(string publicKey, string privateKey)
    {
        PublicKey = publicKey;
        PrivateKey = privateKey;
    }

    /// <summary>The uncompressed P-256 public key, base64url: the <c>applicationServerKey</c> an agent app subscribes with.</summary>
    public string PublicKey { get; }

    /// <summary>The private scalar, base64url, as the push client signs with it.</summary>
    internal string PrivateKey { get; }

    public static VapidKeys FromKeyFile(string path)
    {
        var pkcs8 = KeyFiles.ReadOrCreate(path, () =>
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return fresh.ExportPkcs8PrivateKey();
        });
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        var p = key.ExportParameters(includePrivateParameters: true);
        if (p.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value) throw new InvalidOperationException($"{path} does not hold a P-256 key");
        return new VapidKeys(Base64Url([4, .. p.Q.X!, .. p.Q.Y!]), Base64Url(p.D!));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>An agent was given a delivery: what its push message says.</summary>
public sealed record AgentAssignment(long AgentId, string DeliveryId, string Address, long ScheduledTimeMs);

/// <summary>
/// Assignments waiting for their push message. The delivery writer adds them after its commit and never waits: a full
/// queue drops the message (logged), the assignment stands.
/// </summary>
public sealed class AgentPushQueue(ILogger<AgentPushQueue> logger)
{
    private const int Capacity = 10_000;
    private readonly Channel<AgentAssignment> _channel = Channel.CreateBounded<AgentAssignment>(
        new BoundedChannelOptions(Capacity) { SingleReader = false, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<AgentAssignment> Reader => _channel.Reader;

    public void Enqueue(AgentAssignment assignment)
    {
        if (!_channel.Writer.TryWrite(assignment))
            logger.LogWarning("push queue full ({Capacity}): no push message for the assignment of {Delivery}", Capacity, assignment.DeliveryId);
    }
}

/// <summary>
/// Sends each assigned agent a Web Push message (Lib.Net.Http.WebPush: VAPID-signed, aes128gcm-encrypted per RFC 8291)
/// through the outbound guard. A 404 or 410 from the push service means the subscription is gone: it is removed (unless the
/// agent has stored a new one meanwhile). Other failures are logged; the assignment is never undone.
/// </summary>
public sealed class AgentPushSender(
    AgentPushQueue queue, IAgentStore store, VapidKeys keys, DeliveryOptions options, IHttpClientFactory httpClients, TimeProvider time,
    ILogger<AgentPushSender> logger) : BackgroundService
{
    private const int ParallelSends = 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = new PushServiceClient(httpClients.CreateClient(OutboundHttp.ClientName)) { AutoRetryAfter = false };
        using var vapid = new VapidAuthentication(keys.PublicKey, keys.PrivateKey);
        if (options.PushSubject is { } subject) vapid.Subject = subject;
        try
        {
            await Parallel.ForEachAsync(queue.Reader.ReadAllAsync(stoppingToken),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelSends, CancellationToken = stoppingToken },
                (assignment, ct) => new ValueTask(SendAsync(client, vapid, assignment, ct)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: messages still queued are not sent.
        }
    }

    private async Task SendAsync(PushServiceClient client, VapidAuthentication vapid, AgentAssignment assignment, CancellationToken ct)
    {
        if (store.FindAgentById(assignment.AgentId) is not { PushSubscriptionJson: { } stored } agent) return;
        var saved = PushSubscriptionRequest.FromJson(stored)!;
        var subscription = new PushSubscription { Endpoint = saved.Endpoint };
        subscription.SetKey(PushEncryptionKeyName.P256DH, saved.Keys!.P256dh);
        subscription.SetKey(PushEncryptionKeyName.Auth, saved.Keys.Auth);
        var message = new PushMessage(JsonSerializer.Serialize(new
        {
            type = "delivery.assigned",
            delivery_id = assignment.DeliveryId,
            agent_id = agent.PublicId,
            address = assignment.Address,
            scheduled_time = Timestamps.Iso(assignment.ScheduledTimeMs),
        }))
        {
            TimeToLive = (int)options.PushTimeToLive.TotalSeconds,
            Urgency = PushMessageUrgency.High,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.PushTimeout);
        try
        {
            await client.RequestPushMessageDeliveryAsync(subscription, message, vapid, VapidAuthenticationScheme.Vapid, timeout.Token);
        }
        catch (PushServiceClientException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            bool removed = store.ClearPushSubscription(agent.Id, stored, time.GetUtcNow().ToUnixTimeMilliseconds());
            logger.LogInformation("push service answered {Status} for agent {Agent}: subscription {Outcome}", (int)e.StatusCode, agent.PublicId,
                removed ? "removed" : "already replaced");
        }
        catch (PushServiceClientException e)
        {
            logger.LogWarning("push message for {Delivery} to agent {Agent} refused: {Status}", assignment.DeliveryId, agent.PublicId, (int)e.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("push message for {Delivery} to agent {Agent} failed: {Failure}", assignment.DeliveryId, agent.PublicId, OutboundFailure.Describe(e));
        }
    }
}
