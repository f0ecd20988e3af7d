using Herald.Senders;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Senders;

public sealed class RegistryAndConsoleTests
{
    [Fact]
    public void The_registry_resolves_every_kind_and_its_channels()
    {
        var registry = SenderTestKit.Registry();

        Assert.Equal(["console", "phone-email", "smtp", "twilio"], registry.Kinds);
        Assert.True(registry.Get("smtp").Supports("email"));
        Assert.False(registry.Get("smtp").Supports("sms"));
        Assert.True(registry.Get("twilio").Supports("sms"));
        Assert.False(registry.Get("twilio").Supports("email"));
        Assert.True(registry.Get("phone-email").Supports("SMS"));
        Assert.False(registry.Get("phone-email").Supports("email"));
        Assert.True(registry.Get("console").Supports("sms"));
        Assert.True(registry.Get("console").Supports("email"));
        Assert.Same(registry.Get("smtp"), registry.Get("SMTP"));
        Assert.False(registry.TryGet("vonage", out _));
        Assert.Contains("smtp", Assert.Throws<KeyNotFoundException>(() => registry.Get("vonage")).Message);
    }

    [Fact]
    public void Adding_the_senders_twice_registers_each_once()
    {
        var services = new ServiceCollection();
        services.AddHeraldSenders();
        services.AddHeraldSenders();
        var registry = services.BuildServiceProvider().GetRequiredService<SenderRegistry>();
        Assert.Equal(4, registry.Kinds.Count());
    }

    [Fact]
    public async Task The_server_wires_the_registry()
    {
        await using var server = await HeraldServer.StartAsync();
        var registry = server.Services.GetRequiredService<SenderRegistry>();
        Assert.Contains("twilio", registry.Kinds);
    }

    [Fact]
    public async Task Console_logs_the_message_and_always_succeeds()
    {
        var logs = new ListLoggerProvider();
        var console = SenderTestKit.Registry(logs).Get("console");

        var first = await console.SendAsync(new OutboundMessage("sms", "+447700900123", "", "Your code is 123456"), new Dictionary<string, string>(), default);
        var second = await console.SendAsync(new OutboundMessage("email", "a@example.com", "Code", "Your code is 654321"), new Dictionary<string, string>(), default);

        Assert.True(first.Success);
        Assert.True(second.Success);
        Assert.StartsWith("console-", first.ProviderMessageId);
        Assert.NotEqual(first.ProviderMessageId, second.ProviderMessageId);
        var lines = logs.Entries.Where(e => e.Category == typeof(ConsoleSender).FullName).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(LogLevel.Information, l.Level));
        Assert.Contains("+447700900123", lines[0].Message);
        Assert.Contains("Your code is 123456", lines[0].Message);
        Assert.Contains("Your code is 654321", lines[1].Message);
        Assert.True((await console.ValidateAsync(new Dictionary<string, string>(), default)).Ok);
    }
}
