using Herald.Api;
using Herald.Api.Auth;
using Herald.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Deliveries;

/// <summary>Outcomes as typed results: 200 or 201 with the record, else 400, 404 or 409 in the error envelope.</summary>
internal static class Answers
{
    public static Results<Ok<SuccessEnvelope<TDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Of<T, TDto>(
        Outcome<T> o, Func<T, TDto> dto) where T : class => o.Refusal switch
    {
        Refusal.None => ApiResults.Ok(dto(o.Value!)),
        Refusal.Invalid => ApiResults.BadRequest(o.Field!, o.Message!),
        Refusal.NotFound => ApiResults.NotFound(o.Message!),
        _ => ApiResults.Conflicting(o.Field!, o.Message!),
    };

    public static Results<Created<SuccessEnvelope<TDto>>, BadRequest<ErrorEnvelope>, Conflict<ErrorEnvelope>> Created<T, TDto>(
        Outcome<T> o, Func<T, string> location, Func<T, TDto> dto) where T : class => o.Refusal switch
    {
        Refusal.None => ApiResults.Created(location(o.Value!), dto(o.Value!)),
        Refusal.Invalid => ApiResults.BadRequest(o.Field!, o.Message!),
        Refusal.Conflict => ApiResults.Conflicting(o.Field!, o.Message!),
        _ => throw new InvalidOperationException($"a create answered {o.Refusal}"),
    };

    /// <summary>A path id, held to the identifier rule.</summary>
    public static string Id(string id) => IdentifierParameter.Require("id", id);

    /// <summary>The signed-in agent of an agent token, or null for an API key.</summary>
    public static AgentCaller? Agent(HttpContext http) => http.Caller().Agent;

    /// <summary>Comma-separated values of a filter, each an identifier; null when the filter is absent.</summary>
    public static IReadOnlyList<string>? Values(string field, string? text, int maxValues = 100)
    {
        if (text is null) return null;
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (values.Length == 0) throw new BadParameterException(field, "must name at least one value");
        if (values.Length > maxValues) throw new BadParameterException(field, $"may name at most {maxValues} values");
        foreach (var v in values) IdentifierParameter.Require(field, v, Identifier.MaxDimensionLength);
        return values.Distinct(StringComparer.Ordinal).ToList();
    }
}
