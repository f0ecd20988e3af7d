using System.Text.Json;
using System.Text.Json.Serialization;

namespace Herald.Api;

/// <summary>
/// Numbers of JSON bodies: a value too large for a double (<c>1e400</c>) would otherwise read as Infinity, be stored,
/// and later break every answer that shows it. Refused like any value of the wrong type.
/// </summary>
public sealed class FiniteDoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double value) || !double.IsFinite(value))
            throw new JsonException("the value must be a finite number");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}
