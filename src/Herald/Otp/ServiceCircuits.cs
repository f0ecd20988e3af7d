using System.Collections.Concurrent;
using Herald.Senders;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Herald.Otp;

/// <summary>
/// One resilience pipeline per team and service: a send timeout, and a circuit breaker that stops calling a service
/// after most of its recent sends failed (a service that is down fails fast, so the next one is tried at once).
/// </summary>
public sealed class ServiceCircuits(OtpOptions options)
{
    private readonly ConcurrentDictionary<(int Team, string Service), Circuit> _circuits = new();

    private sealed record Circuit(ResiliencePipeline<SendResult> Pipeline, CircuitBreakerStateProvider State);

    public ResiliencePipeline<SendResult> Pipeline(int teamId, string service) => Get(teamId, service).Pipeline;

    /// <summary>True while the breaker is open: the service is treated as down until it half-opens.</summary>
    public bool IsOpen(int teamId, string service) =>
        _circuits.TryGetValue((teamId, service), out var c) && c.State.CircuitState is CircuitState.Open or CircuitState.Isolated;

    /// <summary>Forgets a service's history, as when its configuration changed.</summary>
    public void Reset(int teamId, string service) => _circuits.TryRemove((teamId, service), out _);

    private Circuit Get(int teamId, string service) => _circuits.GetOrAdd((teamId, service), _ =>
    {
        var state = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<SendResult>()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<SendResult>
            {
                FailureRatio = 0.75,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = TimeSpan.FromSeconds(30),
                StateProvider = state,
                ShouldHandle = new PredicateBuilder<SendResult>()
                    .Handle<TimeoutRejectedException>()
                    .Handle<Exception>(e => e is not OperationCanceledException and not BrokenCircuitException)
                    .HandleResult(r => !r.Success),
            })
            .AddTimeout(options.SendTimeout)
            .Build();
        return new Circuit(pipeline, state);
    });
}
