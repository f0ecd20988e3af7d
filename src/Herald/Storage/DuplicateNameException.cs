namespace Herald.Storage;

/// <summary>A name that must be unique is taken.</summary>
public sealed class DuplicateNameException(string message) : Exception(message);
