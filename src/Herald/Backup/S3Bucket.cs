using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Herald.Outbound;

namespace Herald.Backup;

/// <summary>
/// One S3-compatible bucket and key prefix, through AWSSDK.S3. Every connection goes through <see cref="OutboundConnector"/>,
/// so an endpoint on an internal address is reached only when <c>Herald:Security:OutboundAllowList</c> names it.
/// Checksums are sent only where S3 requires them and payloads are never chunk-encoded: S3-compatible servers other than
/// AWS (MinIO, Ceph, s3rver) often do not take the SDK's newer trailing checksums.
/// </summary>
public sealed class S3Bucket : IDisposable
{
    private readonly AmazonS3Client _client;

    public S3Bucket(S3StoreOptions options, OutboundConnector connector, string setting)
    {
        if (string.IsNullOrWhiteSpace(options.Bucket)) throw new InvalidOperationException($"{setting}:Bucket: set the bucket's name");
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            HttpClientFactory = new GuardedHttpClientFactory(connector),
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            AuthenticationRegion = options.Region,
            MaxErrorRetry = 3,
        };
        if (options.ServiceUrl is { Length: > 0 } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new InvalidOperationException($"{setting}:ServiceUrl: '{url}' is not an http(s) URL");
            config.ServiceURL = url;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        bool hasKey = !string.IsNullOrEmpty(options.AccessKey), hasSecret = !string.IsNullOrEmpty(options.SecretKey);
        if (hasKey != hasSecret) throw new InvalidOperationException($"{setting}: set both AccessKey and SecretKey, or neither");
        _client = hasKey ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config) : new AmazonS3Client(config);
        Name = options.Bucket;
        Prefix = options.Prefix;
    }

    public string Name { get; }

    public string Prefix { get; }

    /// <summary>Uploads a file with its length known up front, with user metadata (<c>x-amz-meta-*</c>).</summary>
    public async Task PutFileAsync(string key, string file, IReadOnlyDictionary<string, string> metadata, CancellationToken ct)
    {
        var request = new PutObjectRequest { BucketName = Name, Key = Prefix + key, FilePath = file, UseChunkEncoding = false, ContentType = "application/octet-stream" };
        foreach (var (k, v) in metadata) request.Metadata.Add(k, v);
        await _client.PutObjectAsync(request, ct);
    }

    /// <summary>Uploads a stream; a stream that cannot seek is buffered in memory first (the SDK signs the payload's length and hash).</summary>
    public async Task PutStreamAsync(string key, Stream content, string contentType, CancellationToken ct)
    {
        var request = new PutObjectRequest { BucketName = Name, Key = Prefix + key, InputStream = content, AutoCloseStream = false, UseChunkEncoding = false, ContentType = contentType };
        await _client.PutObjectAsync(request, ct);
    }

    /// <summary>The objects directly under the prefix (no deeper "folder"), with their size and last-modified time.</summary>
    public async Task<List<(string Key, long Size, DateTimeOffset Modified)>> ListAsync(CancellationToken ct)
    {
        var list = new List<(string, long, DateTimeOffset)>();
        var request = new ListObjectsV2Request { BucketName = Name, Prefix = Prefix, Delimiter = "/" };
        ListObjectsV2Response response;
        do
        {
            response = await _client.ListObjectsV2Async(request, ct);
            foreach (var o in response.S3Objects ?? [])
                list.Add((o.Key[Prefix.Length..], o.Size ?? 0, new DateTimeOffset(o.LastModified ?? DateTime.UnixEpoch, TimeSpan.Zero)));
            request.ContinuationToken = response.NextContinuationToken;
        } while (response.IsTruncated == true);
        return list;
    }

    /// <summary>An object's length and user metadata (names without the <c>x-amz-meta-</c> prefix), or null when it does not exist.</summary>
    public async Task<(long Length, Dictionary<string, string> Metadata)?> HeadAsync(string key, CancellationToken ct)
    {
        try
        {
            var head = await _client.GetObjectMetadataAsync(Name, Prefix + key, ct);
            return (head.ContentLength, head.Metadata.Keys.ToDictionary(k => k.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? k["x-amz-meta-".Length..] : k,
                k => head.Metadata[k], StringComparer.OrdinalIgnoreCase));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The object's bytes (optionally a byte range), or null when it does not exist. The caller disposes the stream.</summary>
    public async Task<(Stream Body, long Length)?> GetAsync(string key, ByteRange? range, CancellationToken ct)
    {
        try
        {
            var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Name, Key = Prefix + key, ByteRange = range }, ct);
            return (response.ResponseStream, response.ContentLength);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task DeleteAsync(string key, CancellationToken ct) => _client.DeleteObjectAsync(Name, Prefix + key, ct);

    public void Dispose() => _client.Dispose();

    /// <summary>Hands the SDK HttpClients whose connections are made by the outbound guard.</summary>
    private sealed class GuardedHttpClientFactory(OutboundConnector connector) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(OutboundHttp.CreateHandler(connector)) { Timeout = clientConfig.Timeout ?? TimeSpan.FromMinutes(30) };
    }
}

/// <summary>Backups as objects <c>{prefix}{name}</c> in an S3-compatible bucket, each carrying its SHA-256 as <c>x-amz-meta-sha256</c>.</summary>
public sealed class S3BackupStore(S3Bucket bucket) : IBackupStore, IDisposable
{
    private const string Sha256Metadata = "sha256";

    public string Kind => "s3";

    public string Location => $"s3://{bucket.Name}/{bucket.Prefix}";

    public Task PutAsync(string name, string file, string sha256, CancellationToken ct) =>
        bucket.PutFileAsync(BackupNames.Check(name), file, new Dictionary<string, string> { [Sha256Metadata] = sha256 }, ct);

    public async Task<IReadOnlyList<StoredBackup>> ListAsync(CancellationToken ct)
    {
        var list = new List<StoredBackup>();
        foreach (var (key, size, modified) in await bucket.ListAsync(ct))
        {
            if (!key.EndsWith(BackupNames.Extension, StringComparison.Ordinal)) continue;
            var head = await bucket.HeadAsync(key, ct);
            string? sha256 = head is { } h && h.Metadata.TryGetValue(Sha256Metadata, out var hex) ? hex : null;
            list.Add(new StoredBackup(key, BackupNames.TryParse(key, out var at) ? at : modified, size, sha256));
        }
        return list.OrderBy(b => b.CreatedAt).ThenBy(b => b.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<Stream?> OpenReadAsync(string name, CancellationToken ct) =>
        await bucket.GetAsync(BackupNames.Check(name), null, ct) is { } got ? got.Body : null;

    public Task DeleteAsync(string name, CancellationToken ct) => bucket.DeleteAsync(BackupNames.Check(name), ct);

    public void Dispose() => bucket.Dispose();
}
