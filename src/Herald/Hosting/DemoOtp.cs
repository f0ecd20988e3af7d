using System.Text.RegularExpressions;
using Herald.Otp;
using Herald.Simulation;
using Herald.Storage;
using Herald.Tenancy;

namespace Herald.Hosting;

/// <summary>
/// <c>herald serve --demo</c>: every few seconds a code for a simulated user of the first demo team, delivered by the
/// simulated users' inbox (<see cref="DemoInbox"/>) and, most of the time, verified a little later, so the <c>/api/delivery-metrics</c> endpoints move.
/// </summary>
public sealed class DemoOtp(OtpManager manager, OtpServices services, DemoInbox inbox, TeamDirectory teams, ILogger<DemoOtp> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var random = new Random();
        try
        {
            await Task.Delay(Interval, stoppingToken); // the traffic demo creates the teams meanwhile
            var team = teams.GetOrCreate(new TrafficGenerator(new SimulationProfile(), TimeProvider.System).TeamNames[0]);
            if (services.Find(team.Id, "demo-inbox") is null)
                services.Save(team.Id, new OtpServiceRecord("demo-inbox", "demo-inbox", ["sms", "email"], true, 1,
                    new Dictionary<string, string>(), false, null, null, null, 0, 0));
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Interval, stoppingToken);
                bool email = random.NextDouble() < 0.3;
                string user = $"demo-user-{random.Next(200)}";
                var request = new IssueRequest(user, email ? "email" : "sms",
                    email ? $"{user}@example.com" : $"+1415555{random.Next(10000):0000}");
                var outcome = await manager.IssueAsync(team.Id, request, stoppingToken);
                if (!outcome.Delivery.Delivered || random.NextDouble() > 0.8) continue;
                _ = VerifyLaterAsync(team.Id, outcome.Otp, TimeSpan.FromSeconds(2 + random.Next(20)), stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "demo OTP traffic stopped");
        }
    }

    /// <summary>The simulated user reads the code from their inbox and types it in.</summary>
    private async Task VerifyLaterAsync(int teamId, OtpRecord otp, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
            var code = Regex.Match(inbox.Take(otp.Recipient) ?? "", @"\b(\d{4,10})\b").Groups[1].Value;
            if (code.Length > 0) await manager.VerifyAsync(teamId, otp.DeliveryId, null, code, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
