using Herald.Deliveries;
using Herald.Domain;
using Herald.Simulation;
using Herald.Storage;
using Herald.Tenancy;

namespace Herald.Hosting;

/// <summary>
/// <c>herald serve --demo</c>: a delivery operation for the first demo team. On a fresh store it adds agents and customers
/// around one city and about 7 days of finished deliveries (so the trends, forecasts and agent analytics have history);
/// then every few seconds the agents move, new deliveries are booked and auto-assigned, and open ones go in transit and
/// end completed or failed (a failure with retries left is rescheduled, as a real one is). Everything goes through the
/// same commands as the API, so the engine, dashboards and alerts see it as real traffic.
/// </summary>
public sealed class DemoDeliveries(
    DeliveryWriter writer, DeliveryCommands commands, AgentService agentService, CustomerService customerService, IAgentStore agents, ICustomerStore customers,
    TeamDirectory teams, TimeProvider time, ILogger<DemoDeliveries> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(4);
    private static readonly GeoPoint Center = new(-73.985, 40.748);
    private const int Agents = 8, Customers = 40, HistoryDays = 7, HistoryPerDay = 36;
    private static readonly string[] Streets = ["Broadway", "5th Ave", "Park Ave", "Lexington Ave", "W 34th St", "E 14th St", "Madison Ave", "8th Ave"];
    private static readonly string[] FailureNotes = ["customer not home", "gate locked", "address not found", "refused at the door"];

    private readonly Random _random = new(20261207);
    private readonly List<string> _customers = [];
    private readonly List<(string Id, Status Status)> _open = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Interval, stoppingToken); // the traffic demo creates the teams meanwhile
            int team = teams.GetOrCreate(new TrafficGenerator(new SimulationProfile(), TimeProvider.System).TeamNames[0]).Id;
            if (agents.ListAgents(team, null, null, 0, 1).Count == 0)
            {
                Populate(team);
                await SeedHistoryAsync(team);
                logger.LogInformation("demo deliveries: {Agents} agents, {Customers} customers and {Days} days of history", Agents, Customers, HistoryDays);
            }
            else
            {
                _customers.AddRange(ExistingCustomers(team));
            }
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Interval, stoppingToken);
                await StepAsync(team);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "demo deliveries stopped");
        }
    }

    private GeoPoint Near(double km) =>
        new(Center.Longitude + (_random.NextDouble() * 2 - 1) * km / 84.0, Center.Latitude + (_random.NextDouble() * 2 - 1) * km / 111.0);

    private static GeoJsonPoint Json(GeoPoint p) => GeoJsonPoint.Of(p);

    private void Populate(int team)
    {
        for (int i = 0; i < Agents; i++)
            agentService.Create(team, new CreateAgentRequest($"Demo agent {i + 1}", $"+1646555{1000 + i:D4}", $"agent{i + 1}@demo.herald.invalid",
                "demo agent password", "agent", true, Json(Near(4)), null, null, null, null, null));
        for (int i = 0; i < Customers; i++)
        {
            var created = customerService.Create(team, new CreateCustomerRequest($"Demo customer {i + 1}", $"+1212200{i:D4}", null,
                $"{10 + i} {Streets[i % Streets.Length]}, New York",
                new PreferencesRequest([i % 2 == 0 ? "09:00-12:00" : "13:00-18:00"], null, i % 5 == 0 ? "leave it with the doorman" : null, "sms", "en", "America/New_York"),
                null, null, null, null, null));
            if (created.Value is { } c) _customers.Add(c.PublicId);
        }
    }

    private IEnumerable<string> ExistingCustomers(int team) => customers.ListCustomers(team, null, Customers).Select(c => c.PublicId);

    private NewDelivery Booking(long scheduledMs, int maxRetries)
    {
        var priority = _random.NextDouble() switch { < 0.1 => DeliveryPriority.Urgent, < 0.3 => DeliveryPriority.High, < 0.85 => DeliveryPriority.Normal, _ => DeliveryPriority.Low };
        int n = _random.Next(1, 400);
        return new NewDelivery(_customers[_random.Next(_customers.Count)], null, $"{n} {Streets[n % Streets.Length]}, New York", Near(5), scheduledMs,
            15 + _random.Next(4) * 15, priority, new PackageDetails(Math.Round(0.5 + _random.NextDouble() * 10, 1), null, null, _random.NextDouble() < 0.2, false, null),
            maxRetries);
    }

    private Task<Outcome<DeliveryRecord>> Run(Func<IDeliveryWriteSession, DeliveryWriteContext, Outcome<DeliveryRecord>> command) => writer.ExecuteAsync(command);

    /// <summary>Finished deliveries of the last days: booked, carried and completed (most) or failed, some rated.</summary>
    private async Task SeedHistoryAsync(int team)
    {
        var agentIds = agents.ListAgents(team, null, null, 0, Agents).Select(a => a.PublicId).ToList();
        var today = time.GetUtcNow().UtcDateTime.Date;
        for (int day = HistoryDays; day >= 1; day--)
        {
            for (int i = 0; i < HistoryPerDay; i++)
            {
                var scheduled = new DateTimeOffset(today.AddDays(-day).AddHours(13 + _random.NextDouble() * 9), TimeSpan.Zero).ToUnixTimeMilliseconds();
                var booked = await Run((s, ctx) => commands.Create(s, ctx, team, Booking(scheduled, 0)));
                if (booked.Value is not { } d) continue;
                string agent = agentIds[_random.Next(agentIds.Count)];
                await Run((s, ctx) => commands.Assign(s, ctx, team, d.PublicId, agent));
                await Run((s, ctx) => commands.Track(s, ctx, team, d.PublicId, new TrackingInput(Status.InTransit, scheduled - 20 * 60_000, null, null, null), null));
                // Each agent has its own success rate, so the ranking has something to rank.
                bool ok = _random.NextDouble() < 0.95 - agentIds.IndexOf(agent) * 0.03;
                long end = scheduled + _random.Next(-10, 40) * 60_000L;
                await Run((s, ctx) => commands.Track(s, ctx, team, d.PublicId, new TrackingInput(ok ? Status.Completed : Status.Failed, end, null,
                    ok ? null : FailureNotes[_random.Next(FailureNotes.Length)], null), null));
                if (ok && _random.NextDouble() < 0.5)
                {
                    int rating = _random.NextDouble() < 0.7 ? 5 : 3 + _random.Next(2);
                    await Run((s, ctx) => DeliveryCommands.Feedback(s, ctx, team, d.PublicId, rating, null));
                }
            }
        }
    }

    /// <summary>One tick: agents move, a delivery may be booked and assigned, open ones move along their lifecycle.</summary>
    private async Task StepAsync(int team)
    {
        foreach (var agent in agents.ListAgents(team, null, true, 0, Agents))
        {
            var at = agent.Location ?? Center;
            var step = new GeoPoint(at.Longitude + (_random.NextDouble() * 2 - 1) * 0.003, at.Latitude + (_random.NextDouble() * 2 - 1) * 0.002);
            agentService.MoveTo(team, agent.PublicId, Math.Abs(step.Longitude - Center.Longitude) > 0.08 || Math.Abs(step.Latitude - Center.Latitude) > 0.06 ? Near(2) : step);
        }
        if (_random.NextDouble() < 0.6)
        {
            long scheduled = time.GetUtcNow().AddMinutes(30 + _random.Next(150)).ToUnixTimeMilliseconds();
            var booked = await Run((s, ctx) => commands.Create(s, ctx, team, Booking(scheduled, 2)));
            if (booked.Value is { } d)
            {
                var assigned = await Run((s, ctx) => commands.Assign(s, ctx, team, d.PublicId, null));
                _open.Add((d.PublicId, assigned.IsOk ? Status.Assigned : Status.Scheduled));
            }
        }
        if (_open.Count == 0) return;
        int pick = _random.Next(_open.Count);
        var (id, status) = _open[pick];
        var next = status switch
        {
            Status.Scheduled => (Status?)null,
            Status.Assigned => Status.InTransit,
            _ => _random.NextDouble() < 0.85 ? Status.Completed : Status.Failed,
        };
        if (next is null)
        {
            var assigned = await Run((s, ctx) => commands.Assign(s, ctx, team, id, null));
            if (assigned.IsOk) _open[pick] = (id, Status.Assigned);
            return;
        }
        var moved = await Run((s, ctx) => commands.Track(s, ctx, team, id, new TrackingInput(next.Value, null, null,
            next == Status.Failed ? FailureNotes[_random.Next(FailureNotes.Length)] : null, null), null));
        if (!moved.IsOk || moved.Value!.Status is Status.Completed or Status.Failed or Status.Cancelled) _open.RemoveAt(pick);
        else _open[pick] = (id, moved.Value.Status);
    }
}
