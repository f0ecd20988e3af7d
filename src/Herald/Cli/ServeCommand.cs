using System.CommandLine;
using Herald.Hosting;

namespace Herald.Cli;

/// <summary>
/// <c>herald serve [--urls URL] [--demo] [--demo-rate N]</c>: runs the server. Any other setting comes from appsettings.json
/// or the environment (<c>Herald__Section__Key</c>); an unknown option is an error, not a setting.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, e.g. http://0.0.0.0:8080 (or ASPNETCORE_URLS)" };
        var demo = new Option<bool>("--demo") { Description = "Feed the server with simulated live traffic so the metrics move" };
        var demoRate = new Option<int?>("--demo-rate") { Description = "Events per second the demo feeds (default 200)" };
        var command = new Command("serve", "Run the Herald server") { urls, demo, demoRate };
        command.SetAction(async (parse, ct) =>
        {
            var args = new List<string>();
            if (parse.GetValue(urls) is { } u) args.AddRange(["--urls", u]);
            WebApplication app;
            try
            {
                app = HeraldHost.Build(args.ToArray(), builder =>
                {
                    if (parse.GetValue(demo)) builder.Configuration["Herald:Demo"] = "true";
                    if (parse.GetValue(demoRate) is { } r) builder.Configuration["Herald:DemoRate"] = r.ToString(System.Globalization.CultureInfo.InvariantCulture);
                });
            }
            catch (Exception e) when (e is Storage.DataDirectoryInUseException or Storage.Encryption.FieldEncryptionException or Storage.Encryption.RecipientModeException)
            {
                await Console.Error.WriteLineAsync("herald: " + e.Message);
                return 2;
            }
            await app.RunAsync();
            return 0;
        });
        return command;
    }
}
