using Herald.Domain;

namespace Herald.Simulation;

/// <summary>
/// One generated event and the team it belongs to: the HTTP API takes the team from the API key, so a sender
/// must route each event to its team's key.
/// </summary>
public readonly record struct SimulatedEvent(string TeamName, IncomingEvent Event);
