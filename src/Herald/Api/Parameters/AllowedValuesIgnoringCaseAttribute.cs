using System.ComponentModel.DataAnnotations;

namespace Herald.Api.Parameters;

/// <summary>
/// <see cref="AllowedValuesAttribute"/> for a parameter read in any case and with spaces around it (<c>format=PDF</c>), as
/// its endpoint parses it; the OpenAPI document lists <paramref name="values"/> as its enum all the same.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class AllowedValuesIgnoringCaseAttribute(params string[] values) : AllowedValuesAttribute(values)
{
    public override bool IsValid(object? value) =>
        value is not string text || Values.Any(v => string.Equals(v as string, text.Trim(), StringComparison.OrdinalIgnoreCase));
}
