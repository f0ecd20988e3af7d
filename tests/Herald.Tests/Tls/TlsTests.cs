using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Tests.Durability;
using Herald.Tests.Support;

namespace Herald.Tests.Tls;

/// <summary>HTTPS through Kestrel with a certificate the test makes: a real <c>herald serve</c> process on loopback.</summary>
public sealed class TlsTests : IDisposable
{
    private const string AdminKey = "hk_tls_test_admin_key";
    private const string PfxPassword = "pfx pass 41b7";
    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-tests", "tls-" + Guid.NewGuid().ToString("n"));
    private readonly X509Certificate2 _certificate;

    public TlsTests()
    {
        Directory.CreateDirectory(_work);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=herald-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(CertPem, _certificate.ExportCertificatePem());
        File.WriteAllText(KeyPem, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(Pfx, _certificate.Export(X509ContentType.Pkcs12, PfxPassword));
    }

    private string CertPem => Path.Combine(_work, "herald.crt");
    private string KeyPem => Path.Combine(_work, "herald.key");
    private string Pfx => Path.Combine(_work, "herald.pfx");

    /// <summary>Trusts exactly the test's certificate (by its thumbprint), nothing else; follows no redirect.</summary>
    private HttpClientHandler TrustingHandler() => new()
    {
        AllowAutoRedirect = false,
        ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == _certificate.Thumbprint,
    };

    [Theory]
    [InlineData("pem")]
    [InlineData("pfx")]
    public async Task Herald_serves_https_with_the_certificate_sends_hsts_and_redirects_plain_http(string form)
    {
        int httpsPort = HeraldProcess.FreePort(), httpPort = HeraldProcess.FreePort();
        var settings = form == "pem"
            ? new Dictionary<string, string> { ["Herald__Tls__Certificate"] = CertPem, ["Herald__Tls__Key"] = KeyPem }
            : new Dictionary<string, string> { ["Herald__Tls__Certificate"] = Pfx, ["Herald__Tls__Password"] = PfxPassword };
        using var handler = TrustingHandler();
        var https = new Uri($"https://127.0.0.1:{httpsPort}");
        using var herald = await HeraldProcess.StartAsync(Path.Combine(_work, "data-" + form), AdminKey,
            $"https://127.0.0.1:{httpsPort};http://127.0.0.1:{httpPort}", https, handler, settings);

        using var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = https };
        client.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
        var created = await client.PostAsJsonAsync("/api/v1/teams", new { name = "tls-team-" + form });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("max-age=31536000", string.Join(",", created.Headers.GetValues("Strict-Transport-Security")));

        // Plain HTTP: 308 to the same path and query on the HTTPS port, and no answer (nor HSTS) over plain text.
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var redirected = await plain.GetAsync("/api/v1/teams?limit=5");
        Assert.Equal(HttpStatusCode.PermanentRedirect, redirected.StatusCode);
        Assert.Equal($"https://127.0.0.1:{httpsPort}/api/v1/teams?limit=5", redirected.Headers.Location!.ToString());
        Assert.False(redirected.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("", await redirected.Content.ReadAsStringAsync());

        // A client that does not trust the certificate gets no answer at all.
        using var untrusting = new HttpClient { BaseAddress = https };
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("/healthz"));
        Assert.Equal(HttpRequestError.SecureConnectionError, refused.HttpRequestError);
    }

    [Fact]
    public async Task A_certificate_that_does_not_load_stops_the_start_naming_the_setting()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldServer.StartAsync(new()
        {
            ["Herald:Tls:Certificate"] = Pfx,
            ["Herald:Tls:Password"] = "not the password",
        }));
        Assert.Contains("Herald:Tls", e.Message);
        Assert.Contains("Password", e.Message);
        e = await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldServer.StartAsync(new() { ["Herald:Tls:Certificate"] = CertPem }));
        Assert.Contains("Herald:Tls", e.Message); // a PEM certificate without its key
        e = await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldServer.StartAsync(new() { ["Herald:Tls:Certificate"] = Path.Combine(_work, "missing.pem") }));
        Assert.Contains("Herald:Tls:Certificate: no file", e.Message);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_work, recursive: true);
    }
}
