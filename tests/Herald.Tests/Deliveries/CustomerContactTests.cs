using System.Net;
using System.Net.Http.Json;
using Herald.Storage;
using Herald.Tenancy;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Deliveries;

/// <summary>One customer is one contact: the contact settings of a phone (time zone, quiet hours) and its customer are one record.</summary>
public sealed class CustomerContactTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;

    /// <summary>The team's rows in the contacts table, customers or not.</summary>
    private long ContactRows(DeliveryTeam team) =>
        (long)Server.StoredValue("SELECT COUNT(*) FROM contacts c JOIN teams t ON t.id = c.team_id WHERE t.public_id = $team", ("$team", team.Id))!;

    /// <summary>The contacts the compliance analysis counts as having settings of their own.</summary>
    private int ContactsWithSettings(DeliveryTeam team)
    {
        int teamId = Server.Services.GetRequiredService<TeamDirectory>().ByPublicIdOrName(team.Id)!.Id;
        return Server.Services.GetRequiredService<IContactSettingsStore>().ListContacts(teamId).Count;
    }

    [Fact]
    public async Task A_customer_takes_over_its_phones_contact_and_both_routes_show_the_same_record()
    {
        var team = await DeliveryTeam.CreateAsync(Server, [.. AllScopes, "events:write"]);
        string phone = team.NewPhone();
        var contact = await Ok(await team.Client.PutAsJsonAsync($"/api/v1/contacts/{Uri.EscapeDataString(phone)}",
            new { time_zone = "Europe/Paris", quiet_hours = new { start = "21:00", end = "08:00" } }));
        Assert.Equal(1, ContactRows(team));

        // The same number written another way is the same contact.
        string spaced = $"+1 {phone[2..5]} {phone[5..8]} {phone[8..]}";
        var customer = await team.Customer(new { preferred_times = new[] { "09:00-12:00" } }, phone: spaced);
        Assert.Equal(phone, S(customer, "phone"));
        Assert.Equal("Europe/Paris", S(customer["preferences"]!, "timezone"));
        Assert.Equal(1, ContactRows(team));

        // Changing the customer's time zone changes the contact's, and the contact keeps its quiet hours.
        await Ok(await team.Client.PatchAsJsonAsync($"/api/v1/customers/{S(customer, "id")}", new { preferences = new { timezone = "America/Chicago" } }));
        var seen = await Kit.GetData(team.Client, $"/api/v1/contacts/{Uri.EscapeDataString(phone)}");
        Assert.Equal(("America/Chicago", "21:00"), (S(seen, "time_zone"), S(seen["quiet_hours"]!, "start")));
        Assert.Equal(S(contact, "created_at"), S(seen, "created_at"));
        // And the other way round.
        await Ok(await team.Client.PutAsJsonAsync($"/api/v1/contacts/{Uri.EscapeDataString(phone)}", new { time_zone = "Asia/Kolkata" }));
        var again = await Kit.GetData(team.Client, $"/api/v1/customers/{S(customer, "id")}");
        Assert.Equal(("Asia/Kolkata", "09:00-12:00"), (S(again["preferences"]!, "timezone"), again["preferences"]!["preferred_times"]![0]!.GetValue<string>()));

        // Forgetting the contact's own settings keeps the customer.
        Assert.Equal(HttpStatusCode.OK, (await team.Client.DeleteAsync($"/api/v1/contacts/{Uri.EscapeDataString(phone)}")).StatusCode);
        var kept = await Kit.GetData(team.Client, $"/api/v1/customers/{S(customer, "id")}");
        Assert.Null(kept["preferences"]!["timezone"]);
        Assert.Equal(1, ContactRows(team));
        Assert.Equal(0, ContactsWithSettings(team));

        // A customer created without earlier settings is a new contact with its own time zone.
        string fresh = team.NewPhone();
        await team.Customer(new { timezone = "Pacific/Auckland" }, phone: fresh);
        Assert.Equal("Pacific/Auckland", S(await Kit.GetData(team.Client, $"/api/v1/contacts/{Uri.EscapeDataString(fresh)}"), "time_zone"));
        Assert.Equal(2, ContactRows(team));
    }

    [Fact]
    public async Task A_phone_is_one_customer_and_a_customer_with_deliveries_stays()
    {
        var team = await DeliveryTeam.CreateAsync(Server, [.. AllScopes, "events:write"]);
        string phone = team.NewPhone();
        var customer = await team.Customer(phone: phone);
        await Kit.AssertError(await team.Client.PostAsJsonAsync("/api/v1/customers", new { name = "Twin", phone }), HttpStatusCode.Conflict, "phone");
        var other = await team.Customer();
        string before = (await Kit.GetData(team.Client, $"/api/v1/customers/{S(other, "id")}")).ToJsonString();
        await Kit.AssertError(await team.Client.PatchAsJsonAsync($"/api/v1/customers/{S(other, "id")}", new { phone, name = "Renamed" }), HttpStatusCode.Conflict, "phone");
        // A phone that only has contact settings is another contact: a customer cannot move onto it.
        string settingsOnly = team.NewPhone();
        await Ok(await team.Client.PutAsJsonAsync($"/api/v1/contacts/{Uri.EscapeDataString(settingsOnly)}", new { time_zone = "Europe/Paris" }));
        await Kit.AssertError(await team.Client.PatchAsJsonAsync($"/api/v1/customers/{S(other, "id")}", new { phone = settingsOnly }), HttpStatusCode.Conflict, "phone");
        Assert.Equal(before, (await Kit.GetData(team.Client, $"/api/v1/customers/{S(other, "id")}")).ToJsonString());

        var delivery = await team.Delivery(S(customer, "id"));
        await Kit.AssertError(await team.Client.DeleteAsync($"/api/v1/customers/{S(customer, "id")}"), HttpStatusCode.Conflict, "id");
        Assert.Equal(S(customer, "id"), S(await Kit.GetData(team.Client, $"/api/v1/customers/{S(customer, "id")}"), "id"));
        await Ok(await team.Client.DeleteAsync($"/api/v1/customers/{S(other, "id")}"));
        await Kit.AssertError(await team.Client.GetAsync($"/api/v1/customers/{S(other, "id")}"), HttpStatusCode.NotFound);
        Assert.Equal(1, (await Kit.GetData(team.Client, $"/api/v1/customers/{S(customer, "id")}"))["total_deliveries"]!.GetValue<long>());
        Assert.Equal("scheduled", S(await Kit.GetData(team.Client, $"/api/v1/deliveries/{S(delivery, "id")}"), "status"));
    }
}
