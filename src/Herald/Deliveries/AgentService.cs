using System.Collections.Concurrent;
using Herald.Api;
using Herald.Domain;
using Herald.Storage;
using Herald.Tenancy;

namespace Herald.Deliveries;

/// <summary>What a sign-in came to: a token, or a refusal (bad credentials, locked until a time, or an inactive agent).</summary>
public sealed record SignIn(AgentRecord? Agent, string? Token, long ExpiresAtMs, long? LockedUntilMs, bool Inactive = false);

/// <summary>Agents: their records, passwords, sign-in with lockout, tokens, positions and push subscriptions.</summary>
public sealed class AgentService(IAgentStore store, AgentTokens tokens, TeamDirectory teams, DeliveryOptions options, TimeProvider time)
{
    // Agents as the token check needs them, briefly, so a busy agent app does not read the store on every request; a change
    // through this service drops its entry at once.
    private readonly ConcurrentDictionary<long, (AgentRecord? Agent, long UntilMs)> _forTokens = new();
    private const long TokenCacheMs = 5_000;

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public Outcome<AgentRecord> Create(int teamId, CreateAgentRequest body)
    {
        body.RefuseComputed();
        string name = Fields.Line("name", body.Name, Fields.MaxNameLength);
        string phone = Fields.Phone("phone", body.Phone);
        string email = Fields.Email("email", body.Email);
        if (AgentPasswords.Problem(body.Password) is { } weak) throw new BadParameterException("password", weak);
        string role = Fields.OneOf("role", body.Role, AgentRoles.Names, AgentRoles.Agent);
        GeoPoint? location = body.CurrentLocation is null ? null : Fields.Point("current_location", body.CurrentLocation);
        long now = Now;
        var record = new AgentRecord(0, PublicIds.New(PublicIds.Agent, now), teamId, name, phone, email, AgentPasswords.Hash(body.Password!), role,
            body.IsActive ?? true, null, null, null, null, 0, 0, null, 0, now, now);
        return Save(() => store.CreateAgent(record), location, now);
    }

    /// <summary>Saves an agent (a phone or email another agent of the team has is a 409 naming it), then its position if given.</summary>
    private Outcome<AgentRecord> Save(Func<AgentRecord> save, GeoPoint? location, long now)
    {
        AgentRecord saved;
        try
        {
            saved = save();
        }
        catch (DuplicateFieldException e)
        {
            return Outcome<AgentRecord>.Conflict(e.Field, e.Message);
        }
        if (location is not { } p) return Outcome<AgentRecord>.Ok(saved);
        store.SetAgentLocation(saved.Id, p, now);
        return Outcome<AgentRecord>.Ok(store.FindAgentById(saved.Id)!);
    }

    public Outcome<AgentRecord> Update(int teamId, string id, UpdateAgentRequest body)
    {
        body.RefuseComputed();
        string? name = Fields.OptionalLine("name", body.Name, Fields.MaxNameLength);
        string? phone = body.Phone is null ? null : Fields.Phone("phone", body.Phone);
        string? email = body.Email is null ? null : Fields.Email("email", body.Email);
        if (body.Password is not null && AgentPasswords.Problem(body.Password) is { } weak) throw new BadParameterException("password", weak);
        string? role = body.Role is null ? null : Fields.OneOf("role", body.Role, AgentRoles.Names, AgentRoles.Agent);
        GeoPoint? location = body.CurrentLocation is null ? null : Fields.Point("current_location", body.CurrentLocation);
        if (store.FindAgent(teamId, id) is not { } agent) return Outcome<AgentRecord>.NotFound($"no agent '{id}'");
        long now = Now;
        var changed = agent with
        {
            Name = name ?? agent.Name,
            Phone = phone ?? agent.Phone,
            Email = email ?? agent.Email,
            Role = role ?? agent.Role,
            IsActive = body.IsActive ?? agent.IsActive,
            PasswordHash = body.Password is null ? agent.PasswordHash : AgentPasswords.Hash(body.Password),
            CredentialsVersion = body.Password is null ? agent.CredentialsVersion : agent.CredentialsVersion + 1,
            UpdatedAtMs = now,
        };
        var saved = Save(() => store.UpdateAgent(changed), location, now);
        _forTokens.TryRemove(agent.Id, out _);
        return saved;
    }

    /// <summary>Deletes an agent that holds no active delivery; the deliveries it carried keep naming it.</summary>
    public Outcome<AgentRecord> Delete(int teamId, string id)
    {
        if (store.FindAgent(teamId, id) is not { } agent) return Outcome<AgentRecord>.NotFound($"no agent '{id}'");
        long active = store.DeleteAgent(agent.Id, Now);
        _forTokens.TryRemove(agent.Id, out _);
        return active == 0
            ? Outcome<AgentRecord>.Ok(agent)
            : Outcome<AgentRecord>.Conflict("active_deliveries", $"agent {id} holds {active} active deliveries; assign them to another agent first");
    }

    public Outcome<AgentRecord> MoveTo(int teamId, string id, GeoPoint location)
    {
        if (store.FindAgent(teamId, id) is not { } agent) return Outcome<AgentRecord>.NotFound($"no agent '{id}'");
        store.SetAgentLocation(agent.Id, location, Now);
        return Outcome<AgentRecord>.Ok(store.FindAgentById(agent.Id)!);
    }

    public Outcome<AgentRecord> Subscribe(int teamId, string id, string subscriptionJson)
    {
        if (store.FindAgent(teamId, id) is not { } agent) return Outcome<AgentRecord>.NotFound($"no agent '{id}'");
        store.SetPushSubscription(agent.Id, subscriptionJson, Now);
        return Outcome<AgentRecord>.Ok(store.FindAgentById(agent.Id)!);
    }

    /// <summary>
    /// Checks an agent's password. An unknown team or agent takes as long as a wrong password and answers alike; a locked
    /// sign-in is refused even with the right password until the lock ends; the failure that reaches the limit locks it.
    /// </summary>
    public SignIn SignIn(AgentLoginRequest body)
    {
        string team = IdentifierParameter.Require("team", body.Team);
        if ((body.Email is null) == (body.Phone is null)) throw new BadParameterException("email", "give the agent's email or its phone (one of them)");
        string password = body.Password ?? throw new BadParameterException("password", "is required");
        string? email = body.Email is null ? null : Fields.Email("email", body.Email);
        string? phone = body.Phone is null ? null : Fields.Phone("phone", body.Phone);
        long now = Now;
        var teamId = teams.ByPublicIdOrName(team)?.Id;
        var agent = teamId is not { } t ? null : email is not null ? store.FindAgentByEmail(t, email) : store.FindAgentByPhone(t, phone!);
        if (agent?.LockedUntilMs is { } locked && locked > now) return new SignIn(null, null, 0, locked);
        bool ok = AgentPasswords.Verify(agent?.PasswordHash, password);
        if (agent is not null && ok && !agent.IsActive) return new SignIn(null, null, 0, null, Inactive: true);
        if (agent is null || !ok)
        {
            long? lockedUntil = agent is null ? null : store.RecordFailedSignIn(agent.Id, options.MaxFailedSignIns, now + (long)options.SignInLockout.TotalMilliseconds);
            return new SignIn(null, null, 0, lockedUntil is { } until && until > now ? until : null);
        }
        store.RecordSignIn(agent.Id, now);
        long expires = now + (long)options.AgentTokenLifetime.TotalMilliseconds;
        string token = tokens.Issue(new AgentTokenClaims(agent.Id, agent.TeamId, agent.CredentialsVersion, expires));
        return new SignIn(store.FindAgentById(agent.Id), token, expires, null);
    }

    /// <summary>The agent a token stands for while the token is good: unexpired, and its agent active, undeleted and unchanged in password.</summary>
    public AgentRecord? Authenticate(string token)
    {
        long now = Now;
        if (tokens.Read(token, now) is not { } claims) return null;
        if (!_forTokens.TryGetValue(claims.AgentId, out var cached) || cached.UntilMs < now)
        {
            cached = (store.FindAgentById(claims.AgentId), now + TokenCacheMs);
            if (_forTokens.Count > 100_000) _forTokens.Clear();
            _forTokens[claims.AgentId] = cached;
        }
        var agent = cached.Agent;
        return agent is { IsActive: true } && agent.TeamId == claims.TeamId && agent.CredentialsVersion == claims.CredentialsVersion ? agent : null;
    }
}
