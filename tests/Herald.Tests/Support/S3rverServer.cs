using System.Diagnostics;
using System.Text.Json;
using Herald.Backup;
using Herald.Outbound;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Tests.Support;

/// <summary>
/// The real npm <c>s3rver</c>, an S3-compatible server (it knows the access key id S3RVER; it does not recompute V4 signatures),
/// run by node from Support/s3rver on a loopback port, keeping its buckets in a temporary folder.
/// </summary>
public sealed class S3rverServer : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private readonly Process _process;
    private readonly string _directory;

    private S3rverServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public string ServiceUrl { get; }

    /// <summary>Starts s3rver with these buckets created.</summary>
    public static async Task<S3rverServer> StartAsync(params string[] buckets)
    {
        string folder = NpmFolder.Path("S3rverDir");
        await NpmFolder.EnsureInstalledAsync(folder, "s3rver");
        string directory = Path.Combine(Path.GetTempPath(), "herald-tests", "s3rver-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(directory);
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "server.mjs", directory, string.Join(',', buckets) }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null)
        {
            await process.WaitForExitAsync(timeout.Token);
            throw new InvalidOperationException($"s3rver did not start: {await errors}");
        }
        int port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        return new S3rverServer(process, directory, port);
    }

    /// <summary>The Herald settings that point a store at this server (under <paramref name="section"/>, e.g. <c>Herald:Backup:S3</c>).</summary>
    public Dictionary<string, string?> Settings(string section, string bucket, string prefix = "") => new()
    {
        [$"{section}:Bucket"] = bucket,
        [$"{section}:Prefix"] = prefix,
        [$"{section}:ServiceUrl"] = ServiceUrl,
        [$"{section}:ForcePathStyle"] = "true",
        [$"{section}:AccessKey"] = AccessKey,
        [$"{section}:SecretKey"] = SecretKey,
    };

    /// <summary>A bucket client of the test's own, allowed to reach loopback, to look at what Herald stored.</summary>
    public S3Bucket Bucket(string bucket, string prefix = "") =>
        new(new S3StoreOptions { Bucket = bucket, Prefix = prefix, ServiceUrl = ServiceUrl, ForcePathStyle = true, AccessKey = AccessKey, SecretKey = SecretKey },
            new OutboundConnector(OutboundPolicy.Parse("127.0.0.1"), NullLogger<OutboundConnector>.Instance), "test");

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
