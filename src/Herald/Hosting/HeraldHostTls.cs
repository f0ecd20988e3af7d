using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Herald.Hosting;

/// <summary>
/// The <c>Herald:Tls</c> section: HTTPS with the operator's certificate, either a PKCS#12 file (<c>.pfx</c>) with its
/// password, or PEM files (certificate and private key; the key may be in the certificate's file, and encrypted with
/// <see cref="Password"/>). Setting <see cref="Certificate"/> turns TLS on.
/// </summary>
public sealed class TlsOptions
{
    public const string Section = "Herald:Tls";

    /// <summary>The certificate: a .pfx/.p12 file, or a PEM file (<c>-----BEGIN CERTIFICATE-----</c>).</summary>
    public string? Certificate { get; set; }

    /// <summary>The PEM private key file, when it is not in <see cref="Certificate"/>'s file.</summary>
    public string? Key { get; set; }

    /// <summary>The .pfx password, or the encrypted PEM key's password.</summary>
    public string? Password { get; set; }

    /// <summary>The <c>Strict-Transport-Security</c> max-age, in days.</summary>
    public int HstsMaxAgeDays { get; set; } = 365;

    public bool Enabled => !string.IsNullOrWhiteSpace(Certificate);
}

public static partial class HeraldHost
{
    /// <summary>
    /// HTTPS through Kestrel when <c>Herald:Tls:Certificate</c> is set: every <c>https://</c> address of <c>--urls</c> serves
    /// the certificate, HTTPS answers carry HSTS, and a plain-HTTP request is answered 308 to the same path on the HTTPS
    /// port (308 keeps the method and body). A certificate that does not load stops the start, naming the setting.
    /// </summary>
    public static IServiceCollection AddHeraldTls(this IServiceCollection services, IConfiguration configuration)
    {
        var tls = configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions();
        services.AddSingleton(tls);
        if (!tls.Enabled) return services;
        var certificate = LoadCertificate(tls);
        services.Configure<KestrelServerOptions>(k => k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(tls.HstsMaxAgeDays);
            // The framework leaves out localhost by default; Herald sends the header on every HTTPS answer alike.
            o.ExcludedHosts.Clear();
        });
        services.AddHttpsRedirection(o => o.RedirectStatusCode = StatusCodes.Status308PermanentRedirect);
        return services;
    }

    private static void UseHeraldTls(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<TlsOptions>().Enabled) return;
        app.UseHsts();
        app.UseHttpsRedirection();
    }

    private static X509Certificate2 LoadCertificate(TlsOptions tls)
    {
        string path = tls.Certificate!;
        if (!File.Exists(path)) throw new InvalidOperationException($"{TlsOptions.Section}:Certificate: no file at {path}");
        if (tls.Key is { Length: > 0 } key && !File.Exists(key)) throw new InvalidOperationException($"{TlsOptions.Section}:Key: no file at {key}");
        X509Certificate2 certificate;
        try
        {
            bool pem = tls.Key is { Length: > 0 } || File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
            certificate = !pem ? X509CertificateLoader.LoadPkcs12FromFile(path, tls.Password)
                : string.IsNullOrEmpty(tls.Password) ? X509Certificate2.CreateFromPemFile(path, tls.Key)
                : X509Certificate2.CreateFromEncryptedPemFile(path, tls.Password, tls.Key);
        }
        catch (CryptographicException e)
        {
            string which = tls.Password is { Length: > 0 } ? "Certificate, Key and Password" : "Certificate and Key (or a Password)";
            throw new InvalidOperationException($"{TlsOptions.Section}: the certificate does not load ({e.Message}); check {which}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{TlsOptions.Section}: the certificate does not load ({e.Message}); check Certificate and Key", e);
        }
        if (!certificate.HasPrivateKey) throw new InvalidOperationException($"{TlsOptions.Section}:Key: the certificate has no private key; give its key file");
        return certificate;
    }
}
