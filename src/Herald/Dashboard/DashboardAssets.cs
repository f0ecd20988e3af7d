using System.IO.Compression;
using System.Security.Cryptography;

namespace Herald.Dashboard;

/// <summary>
/// The dashboard's files (wwwroot), embedded in the assembly so `dotnet run` and the published binary need nothing on
/// disk; each loaded once with a gzip copy and an ETag.
/// </summary>
public sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";
    private readonly Dictionary<string, Asset> _files = new(StringComparer.Ordinal);

    public sealed record Asset(string Path, byte[] Raw, byte[]? Gzip, string ContentType, string ETag);

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            string path = name[Prefix.Length..].Replace('\\', '/');
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] raw = buffer.ToArray();
            string type = ContentTypeOf(path);
            byte[]? gzip = null;
            if (!type.StartsWith("image/png", StringComparison.Ordinal) && raw.Length > 1024)
            {
                using var z = new MemoryStream();
                using (var g = new GZipStream(z, CompressionLevel.SmallestSize, leaveOpen: true)) g.Write(raw);
                gzip = z.ToArray();
            }
            string etag = "\"" + Convert.ToHexString(SHA256.HashData(raw))[..16].ToLowerInvariant() + "\"";
            _files[path] = new Asset(path, raw, gzip, type, etag);
        }
    }

    public Asset? Find(string path) => _files.GetValueOrDefault(path);

    /// <summary>A page's text (index.html, login.html).</summary>
    public string Text(string path) => System.Text.Encoding.UTF8.GetString(_files[path].Raw);

    public static string ContentTypeOf(string path) => System.IO.Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".md" or ".txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    public async Task ServeAsync(HttpContext http, Asset asset, bool revalidate)
    {
        var response = http.Response;
        response.Headers.ETag = asset.ETag;
        response.Headers.CacheControl = revalidate ? "no-cache" : "public, max-age=300";
        response.Headers.XContentTypeOptions = "nosniff";
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.ContentType = asset.ContentType;
        byte[] body = asset.Raw;
        if (asset.Gzip is not null)
        {
            response.Headers.Vary = "Accept-Encoding";
            if (http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers.ContentEncoding = "gzip";
                body = asset.Gzip;
            }
        }
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(http.Request.Method)) await response.Body.WriteAsync(body, http.RequestAborted);
    }
}
