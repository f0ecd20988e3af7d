namespace Herald.Deliveries;

/// <summary>Why a delivery operation was refused; each is one status code at the edge.</summary>
public enum Refusal
{
    None,
    /// <summary>400: a field's value is wrong (an unknown customer, an agent of another team...).</summary>
    Invalid,
    /// <summary>404.</summary>
    NotFound,
    /// <summary>409: the request is well formed but the record's state refuses it.</summary>
    Conflict,
}

/// <summary>What an operation came to: its value, or why it was refused and which field the refusal is about.</summary>
public sealed record Outcome<T>(T? Value, Refusal Refusal = Refusal.None, string? Field = null, string? Message = null) where T : class
{
    public bool IsOk => Refusal == Refusal.None;

    public static Outcome<T> Ok(T value) => new(value);

    public static Outcome<T> Invalid(string field, string issue) => new(null, Refusal.Invalid, field, issue);

    public static Outcome<T> NotFound(string message) => new(null, Refusal.NotFound, null, message);

    public static Outcome<T> Conflict(string field, string message) => new(null, Refusal.Conflict, field, message);

    public Outcome<TOther> As<TOther>() where TOther : class => new(null, Refusal, Field, Message);
}
