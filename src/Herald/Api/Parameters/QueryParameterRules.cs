using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace Herald.Api.Parameters;

/// <summary>Endpoint metadata: this endpoint reads query parameters of its own choosing (a provider's callback), so none is unknown.</summary>
public sealed class AcceptsAnyQueryMetadata
{
    public static readonly AcceptsAnyQueryMetadata Instance = new();
}

/// <summary>
/// The one rule for query strings, as an endpoint filter: an endpoint takes only the query parameters it declares
/// (<c>[AsParameters]</c> properties and <c>[FromQuery]</c> parameters), so a misspelt one is a 400 naming it rather than
/// silently ignored; and the declared values pass their data annotations (<c>[Range]</c>, <c>[AllowedValues]</c>,
/// <c>[RegularExpression]</c>), answered as a 400 naming the parameter. <c>team</c> too is taken only where declared
/// (<see cref="TeamParameters"/>, <see cref="OneTeamParameters"/>). <see cref="AcceptsAnyQuery"/> lifts the first rule.
/// </summary>
public static class QueryParameterRules
{
    public const string Team = "team";

    public static TBuilder AcceptsAnyQuery<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AcceptsAnyQueryMetadata.Instance);

    public static EndpointFilterDelegate Factory(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var declared = Declared(context.MethodInfo);
        var allowed = new HashSet<string>(declared.Names, StringComparer.Ordinal);
        string allowedText = string.Join(", ", allowed.Order(StringComparer.Ordinal));
        var validated = declared.Records;
        return async invocation =>
        {
            var http = invocation.HttpContext;
            if (http.GetEndpoint()?.Metadata.GetMetadata<AcceptsAnyQueryMetadata>() is null)
            {
                foreach (var (name, _) in http.Request.Query)
                {
                    if (allowed.Contains(name)) continue;
                    return ApiResults.BadRequest(name, allowed.Count == 0
                        ? "unknown parameter; this endpoint takes no query parameters"
                        : $"unknown parameter; allowed: {allowedText}");
                }
            }
            foreach (var (index, properties) in validated)
                if (properties.Count > 0 && invocation.Arguments[index] is { } record && FirstInvalid(record, properties) is { } bad)
                    return ApiResults.BadRequest(bad.Name, bad.Issue);
            return await next(invocation);
        };
    }

    /// <summary>The query parameters <paramref name="handler"/> declares, in their order.</summary>
    public static IReadOnlyList<string> DeclaredNames(MethodInfo handler) => Declared(handler).Names;

    /// <summary>
    /// For a query value that did not bind to its member's type (<paramref name="member"/> as the framework names it):
    /// the parameter's query name, and what it takes when its annotations say (a <c>[Range]</c>).
    /// </summary>
    public static (string Name, string? Issue)? BindingFailure(MethodInfo handler, string member)
    {
        foreach (var p in handler.GetParameters())
        {
            if (p.GetCustomAttribute<AsParametersAttribute>() is not null)
            {
                if (p.ParameterType.GetProperty(member, BindingFlags.Public | BindingFlags.Instance) is { } property && QueryMetadata(property) is { } query)
                    return (query.Name ?? property.Name, RangeIssue(property));
            }
            else if (p.Name == member && QueryMetadata(p) is { } query)
            {
                return (query.Name ?? p.Name, RangeIssue(p));
            }
        }
        return null;
    }

    private static string? RangeIssue(ICustomAttributeProvider member) =>
        member.GetCustomAttributes(typeof(RangeAttribute), inherit: true).FirstOrDefault() is RangeAttribute range ? Issue(range) : null;

    // A property's validation rules are read once, when the route is built: reflection per request costs every call.
    private sealed record DeclaredParameters(List<string> Names, List<(int Index, List<(PropertyInfo Property, string Name, ValidationAttribute[] Rules)> Properties)> Records);

    private static DeclaredParameters Declared(MethodInfo method)
    {
        var names = new List<string>();
        var records = new List<(int, List<(PropertyInfo, string, ValidationAttribute[])>)>();
        var parameters = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            if (p.GetCustomAttribute<AsParametersAttribute>() is not null)
            {
                var properties = new List<(PropertyInfo, string, ValidationAttribute[])>();
                foreach (var property in p.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (!property.CanWrite || QueryMetadata(property) is not { } query) continue;
                    string name = query.Name ?? property.Name;
                    names.Add(name);
                    var rules = property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray();
                    if (rules.Length > 0) properties.Add((property, name, rules));
                }
                records.Add((i, properties));
            }
            else if (QueryMetadata(p) is { } query)
            {
                names.Add(query.Name ?? p.Name!);
            }
        }
        return new DeclaredParameters(names, records);
    }

    private static IFromQueryMetadata? QueryMetadata(ICustomAttributeProvider member) =>
        member.GetCustomAttributes(inherit: true).OfType<IFromQueryMetadata>().FirstOrDefault();

    private static (string Name, string Issue)? FirstInvalid(object record, List<(PropertyInfo Property, string Name, ValidationAttribute[] Rules)> properties)
    {
        foreach (var (property, name, rules) in properties)
        {
            object? value = property.GetValue(record);
            if (value is null) continue;
            foreach (var rule in rules)
                if (!rule.IsValid(value)) return (name, Issue(rule));
        }
        return null;
    }

    private static string Issue(ValidationAttribute rule) => rule switch
    {
        RangeAttribute r when r.OperandType == typeof(int) || r.OperandType == typeof(long) => $"must be a whole number from {r.Minimum} to {r.Maximum}",
        RangeAttribute { MinimumIsExclusive: true } r => $"must be a number above {r.Minimum} and at most {r.Maximum}",
        RangeAttribute r => $"must be a number from {r.Minimum} to {r.Maximum}",
        AllowedValuesAttribute a => "must be one of " + string.Join(", ", a.Values),
        _ => rule.ErrorMessage ?? "is not valid",
    };
}
