namespace Herald.Engine;

/// <summary>What became of a submitted batch: counts, and each rejected event's index and reason.</summary>
public sealed record IngestTally(int Accepted, int Duplicates, IReadOnlyList<(int Index, string Error)> Rejected);

public static class IngestSubmission
{
    /// <summary>Queues a batch and waits until it is durable; null when the queue is full and nothing was taken.</summary>
    public static async Task<IngestTally?> SubmitAsync(this IngestQueue queue, IngestBatch batch)
    {
        var done = queue.TryEnqueue(batch);
        if (done is null) return null;
        await done;
        int accepted = 0, duplicates = 0;
        var rejected = new List<(int, string)>();
        for (int i = 0; i < batch.Outcomes.Length; i++)
        {
            var outcome = batch.Outcomes[i];
            switch (outcome.Kind)
            {
                case EventOutcomeKind.Accepted: accepted++; break;
                case EventOutcomeKind.Duplicate: duplicates++; break;
                default: rejected.Add((i, outcome.Error!)); break;
            }
        }
        return new IngestTally(accepted, duplicates, rejected);
    }
}
