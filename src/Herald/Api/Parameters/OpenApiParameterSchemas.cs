using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Herald.Domain;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Api.Parameters;

/// <summary>
/// Makes the OpenAPI document say what the query rules check and what <see cref="InstantJsonConverter"/> writes: a
/// <see cref="Timestamp"/>, <see cref="UtcMinute"/> or <see cref="DateTimeOffset"/> is an RFC 3339 date-time string, and an
/// <c>[AllowedValues]</c> parameter lists its values as an enum, and a number in the query is a number.
/// </summary>
public static class OpenApiParameterSchemas
{
    private static readonly Type[] Instants = [typeof(Timestamp), typeof(UtcMinute), typeof(DateTimeOffset)];

    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            var underlying = Nullable.GetUnderlyingType(type);
            if (Array.IndexOf(Instants, underlying ?? type) >= 0)
            {
                // A nullable Timestamp or UtcMinute is still the one shared schema (a $ref); DateTimeOffset is written inline.
                schema.Type = underlying == typeof(DateTimeOffset) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
                schema.Format = "date-time";
                schema.Properties?.Clear();
            }
            return Task.CompletedTask;
        });
        // FiniteDoubleConverter (which refuses NaN and infinities) hides the number type from the schema exporter: a schema
        // left with only format double is a number.
        options.AddDocumentTransformer((document, _, _) =>
        {
            var seen = new HashSet<OpenApiSchema>(ReferenceEqualityComparer.Instance);
            foreach (var schema in document.Components?.Schemas?.Values ?? Enumerable.Empty<IOpenApiSchema>()) TypeDoubles(schema, seen);
            foreach (var path in document.Paths.Values)
                foreach (var operation in path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
                {
                    foreach (var parameter in operation.Parameters ?? []) TypeDoubles(parameter.Schema, seen);
                    foreach (var response in operation.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>())
                        foreach (var content in response.Content?.Values ?? Enumerable.Empty<OpenApiMediaType>()) TypeDoubles(content.Schema, seen);
                }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (operation.Parameters is null) return Task.CompletedTask;
            // A query value is parsed as a number, never as JSON: the body's named literals ("NaN") do not apply.
            foreach (var parameter in operation.Parameters)
            {
                if (parameter.In == ParameterLocation.Query && parameter.Schema is OpenApiSchema { AnyOf: { Count: > 0 } anyOf } schema
                    && anyOf.Any(s => s.Type == JsonSchemaType.Number))
                {
                    schema.Type = JsonSchemaType.Number;
                    schema.AnyOf = null;
                }
            }
            foreach (var description in context.Description.ParameterDescriptions)
            {
                if (description.ParameterDescriptor is not IParameterInfoParameterDescriptor { ParameterInfo: var info }) continue;
                var parameter = operation.Parameters.FirstOrDefault(p => p.Name == description.Name && p.In == ParameterLocation.Query);
                if (parameter?.Schema is not OpenApiSchema schema) continue;
                // FiniteDoubleConverter (which refuses NaN and infinities) hides the number type from the schema exporter.
                if ((info.ParameterType == typeof(double) || info.ParameterType == typeof(double?)) && schema.Type is null)
                    schema.Type = JsonSchemaType.Number;
                if (info.GetCustomAttributes(typeof(AllowedValuesAttribute), inherit: true).FirstOrDefault() is AllowedValuesAttribute allowed)
                    schema.Enum = allowed.Values.Select(v => (JsonNode)JsonValue.Create(v?.ToString())!).ToList();
            }
            return Task.CompletedTask;
        });
    }

    private static void TypeDoubles(IOpenApiSchema? node, HashSet<OpenApiSchema> seen)
    {
        if (node is not OpenApiSchema schema || !seen.Add(schema)) return;
        if (schema.Type is null && schema.Format is "double" or "float") schema.Type = JsonSchemaType.Number;
        foreach (var child in schema.Properties?.Values ?? []) TypeDoubles(child, seen);
        TypeDoubles(schema.Items, seen);
        TypeDoubles(schema.AdditionalProperties, seen);
        foreach (var child in schema.AllOf ?? []) TypeDoubles(child, seen);
        foreach (var child in schema.AnyOf ?? []) TypeDoubles(child, seen);
        foreach (var child in schema.OneOf ?? []) TypeDoubles(child, seen);
    }
}
