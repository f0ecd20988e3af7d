using Herald.Api;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Audit;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Deliveries;

/// <summary>
/// <c>/api/v1/customers</c>: a team's customers. A customer is the team's contact of its phone, so its time zone is the
/// contact's (and <c>/api/v1/contacts/{phone}</c> shows the same record's quiet hours and consent).
/// </summary>
public static class CustomersEndpoints
{
    public static IEndpointRouteBuilder MapCustomersEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/customers").WithTags("Customers");
        g.MapPost("", Create).RequireScope(Scopes.DeliveriesWrite).WithSummary("Add a customer (its phone's contact, made or taken over)");
        g.MapGet("", List).RequireScope(Scopes.DeliveriesRead).AuditsReads().WithSummary("The team's customers, newest first");
        g.MapGet("/{id}", Get).RequireScope(Scopes.DeliveriesRead).AuditsReads().WithSummary("One customer with its delivery figures");
        g.MapPatch("/{id}", Update).RequireScope(Scopes.DeliveriesWrite).WithSummary("Change a customer (omitted fields keep their value)");
        g.MapDelete("/{id}", Delete).RequireScope(Scopes.DeliveriesWrite).WithSummary("Delete a customer that has no deliveries");
        return app;
    }

    private static Results<Created<SuccessEnvelope<CustomerDto>>, BadRequest<ErrorEnvelope>, Conflict<ErrorEnvelope>> Create(
        CreateCustomerRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, CustomerService customers)
    {
        int teamId = parameters.TeamId(http);
        return Answers.Created(customers.Create(teamId, body), c => $"/api/v1/customers/{c.PublicId}", c => CustomerDto.Of(c, CustomerFigures.None));
    }

    private static Ok<SuccessEnvelope<CustomerPageDto>> List([AsParameters] PageParameters p, HttpContext http, ICustomerStore store)
    {
        int team = p.TeamId(http);
        (long, string)? before = p.Cursor is { } cursor ? Cursors.Decode("cursor", cursor) : null;
        int limit = p.Limit ?? PageParameters.DefaultSize;
        var rows = store.ListCustomers(team, before, limit + 1);
        var page = rows.Take(limit).ToList();
        var figures = store.CustomerFigures(team, page.Select(c => c.PublicId).ToList());
        string? next = rows.Count > limit ? Cursors.Encode(page[^1].CreatedAtMs, page[^1].PublicId) : null;
        return ApiResults.Ok(new CustomerPageDto(page.Select(c => CustomerDto.Of(c, figures.GetValueOrDefault(c.PublicId) ?? CustomerFigures.None)).ToList(), next));
    }

    private static Results<Ok<SuccessEnvelope<CustomerDto>>, NotFound<ErrorEnvelope>> Get(string id, [AsParameters] OneTeamParameters parameters, HttpContext http, ICustomerStore store)
    {
        int teamId = parameters.TeamId(http);
        return store.FindCustomer(teamId, Answers.Id(id)) is { } customer
            ? ApiResults.Ok(Dto(store, customer))
            : ApiResults.NotFound($"no customer '{id}'");
    }

    private static Results<Ok<SuccessEnvelope<CustomerDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Update(
        string id, UpdateCustomerRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, CustomerService customers, ICustomerStore store)
    {
        int teamId = parameters.TeamId(http);
        return Answers.Of(customers.Update(teamId, Answers.Id(id), body), c => Dto(store, c));
    }

    private static Results<Ok<SuccessEnvelope<CustomerDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Delete(
        string id, [AsParameters] OneTeamParameters parameters, HttpContext http, CustomerService customers)
    {
        int teamId = parameters.TeamId(http);
        return Answers.Of(customers.Delete(teamId, Answers.Id(id)), c => CustomerDto.Of(c, CustomerFigures.None));
    }

    private static CustomerDto Dto(ICustomerStore store, CustomerRecord c) =>
        CustomerDto.Of(c, store.CustomerFigures(c.TeamId, [c.PublicId]).GetValueOrDefault(c.PublicId) ?? CustomerFigures.None);
}
