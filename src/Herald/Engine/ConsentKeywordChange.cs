namespace Herald.Engine;

/// <summary>A consent keyword the writer stored (state code of <see cref="ConsentKeywords"/>, help left out), as it publishes it.</summary>
public readonly record struct ConsentKeywordChange(int TeamId, string Recipient, long OccurredAtMs, int State);
