using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Herald.Domain;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Api.Parameters;

/// <summary>
/// Makes the OpenAPI document say what the query rules check: a <see cref="Timestamp"/> is an RFC 3339 date-time string,
/// and an <c>[AllowedValues]</c> parameter lists its values as an enum.
/// </summary>
public static class OpenApiParameterSchemas
{
    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(Timestamp) || context.JsonTypeInfo.Type == typeof(Timestamp?))
            {
                schema.Type = JsonSchemaType.String;
                schema.Format = "date-time";
                schema.Properties?.Clear();
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (operation.Parameters is null) return Task.CompletedTask;
            foreach (var description in context.Description.ParameterDescriptions)
            {
                if (description.ParameterDescriptor is not IParameterInfoParameterDescriptor { ParameterInfo: var info }) continue;
                if (info.GetCustomAttributes(typeof(AllowedValuesAttribute), inherit: true).FirstOrDefault() is not AllowedValuesAttribute allowed) continue;
                var parameter = operation.Parameters.FirstOrDefault(p => p.Name == description.Name && p.In == ParameterLocation.Query);
                if (parameter?.Schema is OpenApiSchema schema)
                    schema.Enum = allowed.Values.Select(v => (JsonNode)JsonValue.Create(v?.ToString())!).ToList();
            }
            return Task.CompletedTask;
        });
    }
}
