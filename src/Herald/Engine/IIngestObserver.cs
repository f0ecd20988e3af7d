namespace Herald.Engine;

/// <summary>
/// Told by the ingest writer after each group of requests committed, on the writer's thread: an observer must be
/// quick and must not throw (the live feed, caches, alerts' dirty windows subscribe this way).
/// </summary>
public interface IIngestObserver
{
    void OnCommitted(IReadOnlyList<IngestBatch> batches);
}
