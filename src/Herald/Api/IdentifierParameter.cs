using Herald.Domain;

namespace Herald.Api;

/// <summary>An identifier a request names (in the path, the query or the body), held to <see cref="Identifier"/>'s rule.</summary>
public static class IdentifierParameter
{
    /// <summary>The value when it is an identifier; else throws <see cref="BadParameterException"/> (a 400 naming the field).</summary>
    public static string Require(string field, string? value, int maxLength = Identifier.MaxLength) =>
        Identifier.Problem(value, maxLength) is { } issue ? throw new BadParameterException(field, issue) : value!;
}
