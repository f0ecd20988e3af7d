using Herald.Tests.Durability;

namespace Herald.Tests.Cli;

/// <summary>`herald serve` reads the appsettings.json shipped beside it, whatever directory it is started from.</summary>
public sealed class AppSettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-appsettings", Guid.NewGuid().ToString("n"));

    [Fact]
    public async Task Started_from_another_directory_the_shipped_log_levels_are_in_effect()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_dir, "elsewhere")).FullName;
        using var server = await HeraldProcess.StartAsync(Path.Combine(_dir, "data"), "hk_appsettings_admin", workingDirectory: elsewhere);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        for (int i = 0; i < 3; i++) (await http.GetAsync("/healthz")).EnsureSuccessStatusCode();
        await Task.Delay(300); // the console logger writes on its own thread

        // Herald's own Information lines are written (Logging:LogLevel:Default), ASP.NET Core's per-request ones are not
        // (Logging:LogLevel:Microsoft.AspNetCore = Warning): without the file every request logged two lines.
        Assert.Contains("Herald store:", server.Output);
        Assert.DoesNotContain("Request starting", server.Output);
        Assert.DoesNotContain("Microsoft.AspNetCore.Hosting.Diagnostics", server.Output);
        Assert.False(File.Exists(Path.Combine(elsewhere, "appsettings.json")));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
