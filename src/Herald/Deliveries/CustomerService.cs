using Herald.Storage;

namespace Herald.Deliveries;

/// <summary>Customers: a team's contacts with a customer id. A phone that has contact settings already becomes that contact.</summary>
public sealed class CustomerService(ICustomerStore store, TimeProvider time)
{
    public Outcome<CustomerRecord> Create(int teamId, CreateCustomerRequest body)
    {
        body.RefuseComputed();
        string name = Fields.Line("name", body.Name, Fields.MaxNameLength);
        string phone = Fields.Phone("phone", body.Phone);
        string? email = body.Email is null ? null : Fields.Email("email", body.Email);
        string? address = Fields.OptionalLine("address", body.Address, Fields.MaxAddressLength);
        var (preferences, zone) = (body.Preferences ?? new PreferencesRequest(null, null, null, null, null, null)).Over(CustomerPreferences.Default, null);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            return Outcome<CustomerRecord>.Ok(store.CreateCustomer(
                new CustomerRecord(PublicIds.New(PublicIds.Customer, now), teamId, phone, name, email, address, preferences, zone, now, now)));
        }
        catch (DuplicateFieldException e)
        {
            return Outcome<CustomerRecord>.Conflict(e.Field, e.Message);
        }
    }

    public Outcome<CustomerRecord> Update(int teamId, string id, UpdateCustomerRequest body)
    {
        body.RefuseComputed();
        string? name = Fields.OptionalLine("name", body.Name, Fields.MaxNameLength);
        string? phone = body.Phone is null ? null : Fields.Phone("phone", body.Phone);
        string? email = body.Email is null or "" ? null : Fields.Email("email", body.Email);
        string? address = body.Address is null or "" ? null : Fields.Line("address", body.Address, Fields.MaxAddressLength);
        if (store.FindCustomer(teamId, id) is not { } customer) return Outcome<CustomerRecord>.NotFound($"no customer '{id}'");
        var (preferences, zone) = body.Preferences is { } p ? p.Over(customer.Preferences, customer.TimeZone) : (customer.Preferences, customer.TimeZone);
        var changed = customer with
        {
            Name = name ?? customer.Name,
            Phone = phone ?? customer.Phone,
            Email = body.Email is null ? customer.Email : email,
            Address = body.Address is null ? customer.Address : address,
            Preferences = preferences,
            TimeZone = zone,
            UpdatedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        try
        {
            return Outcome<CustomerRecord>.Ok(store.UpdateCustomer(changed, customer.Phone));
        }
        catch (DuplicateFieldException e)
        {
            return Outcome<CustomerRecord>.Conflict(e.Field, e.Message);
        }
    }

    public Outcome<CustomerRecord> Delete(int teamId, string id)
    {
        if (store.FindCustomer(teamId, id) is not { } customer) return Outcome<CustomerRecord>.NotFound($"no customer '{id}'");
        long deliveries = store.DeleteCustomer(teamId, id);
        return deliveries == 0
            ? Outcome<CustomerRecord>.Ok(customer)
            : Outcome<CustomerRecord>.Conflict("id", $"customer {id} has {deliveries} deliveries; a customer with deliveries is kept");
    }
}
