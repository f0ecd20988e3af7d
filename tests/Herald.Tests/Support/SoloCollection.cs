namespace Herald.Tests.Support;

/// <summary>
/// Tests that time answers or measure a process's memory: they run alone, after the parallel ones, so that the load of
/// other tests does not decide their outcome.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloCollection
{
    public const string Name = "solo";
}
