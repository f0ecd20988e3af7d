using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Support;

/// <summary>
/// A stand-in for a browser's push service on 127.0.0.1: it records each push request and answers the status the test sets.
/// <see cref="Subscriber"/> plays the browser: it makes the subscription's keys and checks what a real push service and
/// user agent would (RFC 8292 VAPID header, RFC 8291 aes128gcm payload).
/// </summary>
public sealed class FakePushService : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Recorded(string Path, string? Authorization, string? ContentEncoding, string? Ttl, string? Urgency, byte[] Body);

    private FakePushService(WebApplication app) => _app = app;

    public ConcurrentQueue<Recorded> Requests { get; } = new();
    public string BaseUrl { get; private set; } = "";
    /// <summary>What the next push requests get (201 Created is a push service's success).</summary>
    public int Status { get; set; } = 201;

    public static async Task<FakePushService> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakePushService(app);
        app.Run(async ctx =>
        {
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            var h = ctx.Request.Headers;
            fake.Requests.Enqueue(new Recorded(ctx.Request.Path, h.Authorization.ToString(), h.ContentEncoding.ToString(), h["TTL"].ToString(),
                h["Urgency"].ToString(), body.ToArray()));
            ctx.Response.StatusCode = fake.Status;
        });
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return fake;
    }

    /// <summary>Waits until <paramref name="count"/> requests have arrived.</summary>
    public async Task<Recorded[]> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (Requests.Count < count && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(Requests.Count >= count, $"expected {count} push requests, got {Requests.Count}");
        return [.. Requests];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A browser's side of one subscription: its P-256 key pair and 16-byte auth secret.</summary>
    public sealed class Subscriber : IDisposable
    {
        private readonly ECDiffieHellman _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        private readonly byte[] _auth = RandomNumberGenerator.GetBytes(16);

        public string P256dh => B64(PublicKey);
        public string Auth => B64(_auth);
        private byte[] PublicKey => [4, .. _key.ExportParameters(false).Q.X!, .. _key.ExportParameters(false).Q.Y!];

        /// <summary>
        /// Checks the request's <c>Authorization: vapid t=JWT, k=KEY</c>: k is <paramref name="serverKey"/>, the JWT is ES256-signed by
        /// it, its aud is the scheme and host of <paramref name="endpoint"/> and it expires within 24 hours. Answers the JWT's claims.
        /// </summary>
        public static JsonNode CheckVapid(string? authorization, string serverKey, string endpoint)
        {
            Assert.NotNull(authorization);
            Assert.StartsWith("vapid ", authorization);
            var parts = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
                .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal(serverKey, parts["k"]);
            var jwt = parts["t"].Split('.');
            Assert.Equal(3, jwt.Length);
            var header = JsonNode.Parse(UnB64(jwt[0]))!;
            Assert.Equal("ES256", (string?)header["alg"]);
            byte[] point = UnB64(parts["k"]);
            using var verifier = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point[1..33], Y = point[33..65] },
            });
            Assert.True(verifier.VerifyData(Encoding.ASCII.GetBytes(jwt[0] + "." + jwt[1]), UnB64(jwt[2]), HashAlgorithmName.SHA256),
                "the VAPID JWT's signature does not verify with the server's public key");
            var claims = JsonNode.Parse(UnB64(jwt[1]))!;
            // The push service's origin. Lib.Net.Http.WebPush writes it without the port: the same on a push service's default
            // https port, and this fake on a loopback port has to accept it so.
            var uri = new Uri(endpoint);
            Assert.Equal($"{uri.Scheme}://{uri.Host}", (string?)claims["aud"]);
            long exp = (long)claims["exp"]!;
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.InRange(exp, now, now + 24 * 3600);
            return claims;
        }

        /// <summary>Decrypts an aes128gcm push body (RFC 8291 with RFC 8188) as the user agent would.</summary>
        public string Decrypt(byte[] body)
        {
            byte[] salt = body[..16];
            int recordSize = (body[16] << 24) | (body[17] << 16) | (body[18] << 8) | body[19];
            int idLength = body[20];
            Assert.Equal(65, idLength);
            byte[] serverPublic = body[21..(21 + idLength)];
            byte[] record = body[(21 + idLength)..];
            Assert.True(record.Length <= recordSize, "one record expected");

            using var sender = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = serverPublic[1..33], Y = serverPublic[33..65] },
            });
            byte[] ecdhSecret = _key.DeriveRawSecretAgreement(sender.PublicKey);
            byte[] keyInfo = [.. "WebPush: info\0"u8, .. PublicKey, .. serverPublic];
            byte[] ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, _auth, keyInfo);
            byte[] cek = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, "Content-Encoding: aes128gcm\0"u8.ToArray());
            byte[] nonce = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 12, salt, "Content-Encoding: nonce\0"u8.ToArray());

            byte[] plain = new byte[record.Length - 16];
            using var gcm = new AesGcm(cek, 16);
            gcm.Decrypt(nonce, record[..^16], record[^16..], plain);
            int end = plain.Length - 1;
            while (end >= 0 && plain[end] == 0) end--;
            Assert.True(end >= 0 && plain[end] == 2, "the last record ends with the 0x02 delimiter");
            return Encoding.UTF8.GetString(plain, 0, end);
        }

        public void Dispose() => _key.Dispose();

        private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        private static byte[] UnB64(string text)
        {
            string b64 = text.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(b64.PadRight((b64.Length + 3) / 4 * 4, '='));
        }
    }
}
