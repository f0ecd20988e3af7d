using System.Text.Json;
using System.Text.Json.Serialization;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Api;

/// <summary>
/// The API's one way to write an instant, for <see cref="DateTimeOffset"/>, <see cref="UtcMinute"/> and
/// <see cref="Timestamp"/>: UTC with <c>Z</c>, milliseconds only when not zero (<c>2026-11-22T10:00:00Z</c>,
/// <c>2026-11-22T10:00:00.250Z</c>), as <see cref="EventParser.FormatTimestamp"/> writes events' times. A
/// <see cref="DateTimeOffset"/> is read as System.Text.Json reads it; a minute or timestamp needs RFC 3339 with a zone.
/// </summary>
public sealed class InstantJsonConverter : JsonConverterFactory
{
    private static readonly JsonConverter Instants = new Of<DateTimeOffset>(t => t, (ref Utf8JsonReader reader) => reader.GetDateTimeOffset());
    private static readonly JsonConverter Minutes = new Of<UtcMinute>(m => m.ToDateTimeOffset(), (ref Utf8JsonReader reader) => UtcMinute.FromDateTimeOffset(ReadRfc3339(ref reader)));
    private static readonly JsonConverter Timestamps = new Of<Timestamp>(t => t.Value, (ref Utf8JsonReader reader) => new Timestamp(ReadRfc3339(ref reader)));

    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert == typeof(DateTimeOffset) || typeToConvert == typeof(UtcMinute) || typeToConvert == typeof(Timestamp);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(DateTimeOffset) ? Instants : typeToConvert == typeof(UtcMinute) ? Minutes : Timestamps;

    public static string Format(DateTimeOffset instant) => EventParser.FormatTimestamp(instant.ToUnixTimeMilliseconds());

    private static DateTimeOffset ReadRfc3339(ref Utf8JsonReader reader) =>
        reader.GetString() is { } text && EventParser.TryParseRfc3339(text, out var at)
            ? at
            : throw new JsonException("an instant must be an RFC 3339 timestamp with a time zone, like 2026-11-22T10:00:00Z");

    private delegate T Reader<out T>(ref Utf8JsonReader reader);

    private sealed class Of<T>(Func<T, DateTimeOffset> instant, Reader<T> read) : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => read(ref reader);

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(Format(instant(value)));
    }
}
