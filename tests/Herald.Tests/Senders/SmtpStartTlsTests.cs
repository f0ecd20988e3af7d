using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Senders;
using Herald.Tests.Support;

namespace Herald.Tests.Senders;

/// <summary>An aiosmtpd server that demands STARTTLS (self-signed certificate made here) and AUTH only over TLS.</summary>
public sealed class TlsSmtpServerFixture : IAsyncLifetime
{
    public const string User = "herald";
    public const string Password = "tls-pass";
    private string _dir = "";
    public SmtpTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _dir = Path.Combine(Path.GetTempPath(), "herald-tests", "tls-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(_dir);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(_dir, "cert.pem");
        var keyPath = Path.Combine(_dir, "key.pem");
        await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        Server = await SmtpTestServer.StartAsync(auth: $"{User}:{Password}", tls: (certPath, keyPath));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

public sealed class SmtpStartTlsTests(TlsSmtpServerFixture fixture) : IClassFixture<TlsSmtpServerFixture>
{
    private readonly SenderRegistry _registry = SenderTestKit.Registry(outboundAllowList: "127.0.0.1"); // the test servers listen on loopback

    private Dictionary<string, string> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["host"] = "127.0.0.1",
            ["port"] = fixture.Server.Port.ToString(),
            ["from"] = "otp@herald.test",
            ["starttls"] = "true",
            ["tls_accept_any_certificate"] = "true",
            ["username"] = TlsSmtpServerFixture.User,
            ["password"] = TlsSmtpServerFixture.Password,
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    [Fact]
    public async Task Sends_over_starttls_with_auth()
    {
        var to = $"tls-{Guid.NewGuid():N}@example.com";
        var result = await _registry.Get("smtp").SendAsync(new OutboundMessage("email", to, "over TLS", "secret 123456"), Settings(), default);

        Assert.True(result.Success, result.ErrorMessage);
        var mail = await fixture.Server.WaitForMessageToAsync(to);
        Assert.Equal(TlsSmtpServerFixture.User, (string?)mail["login"]);
        Assert.Equal("over TLS", (string?)mail["subject"]);
        Assert.True((await _registry.Get("smtp").ValidateAsync(Settings(), default)).Ok);
    }

    [Fact]
    public async Task An_untrusted_certificate_fails_the_connection()
    {
        var result = await _registry.Get("smtp").ValidateAsync(Settings(("tls_accept_any_certificate", "false")), default);

        Assert.False(result.Ok);
        Assert.StartsWith("connect_failed: TLS handshake", result.Error);
    }

    [Fact]
    public async Task Without_starttls_the_server_refuses_with_its_code()
    {
        var settings = Settings(("starttls", "false"));
        settings.Remove("username");
        settings.Remove("password");
        var result = await _registry.Get("smtp").SendAsync(new OutboundMessage("email", "x@example.com", "s", "b"), settings, default);

        Assert.False(result.Success);
        Assert.Equal("530", result.ErrorCode);
        Assert.Contains("MAIL FROM refused", result.ErrorMessage);
    }
}
