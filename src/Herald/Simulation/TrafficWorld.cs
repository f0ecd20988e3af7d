namespace Herald.Simulation;

/// <summary>One simulated tenant: its accounts, campaigns and recipient pool (fixed for a seed).</summary>
internal sealed class TeamWorld
{
    public required string Name { get; init; }
    public required string[] Accounts { get; init; }
    public required string[] Campaigns { get; init; }
    /// <summary>WhatsApp template metadata per campaign (same index as <see cref="Campaigns"/>).</summary>
    public required string[] CampaignWhatsAppMetadata { get; init; }
    /// <summary>Cumulative popularity of the campaigns (empty when the team has none).</summary>
    public required double[] CampaignCumulative { get; init; }
    public required string[] Phones { get; init; }
    /// <summary>Index into <see cref="TrafficCatalog.Countries"/> of each phone.</summary>
    public required byte[] PhoneCountry { get; init; }
    public required string[] Emails { get; init; }
    /// <summary>Accounts that send campaigns ("marketing" and any beyond the named suffixes).</summary>
    public required int[] MarketingAccounts { get; init; }
    public int OtpAccount { get; init; }
    public int TransactionalAccount { get; init; }
    public int SupportAccount { get; init; }
    public int LogisticsAccount { get; init; }
}

/// <summary>Builds the fixed part of the simulation (teams and their pools) from the profile's seed.</summary>
internal static class TrafficWorld
{
    public static TeamWorld[] BuildTeams(SimulationProfile profile)
    {
        var teams = new TeamWorld[profile.Teams];
        for (int i = 0; i < teams.Length; i++)
            teams[i] = BuildTeam(profile, i);
        return teams;
    }

    /// <summary>Teams get decreasing shares of the traffic: 1, 1/2, 1/3...</summary>
    public static double[] TeamCumulative(int teams)
    {
        var weights = new double[teams];
        for (int i = 0; i < teams; i++) weights[i] = 1.0 / (i + 1);
        return TrafficCatalog.Cumulative(weights);
    }

    private static TeamWorld BuildTeam(SimulationProfile profile, int index)
    {
        string name = SimulationProfile.TeamName(index);
        // A generator of its own per team, derived from the seed: the pools do not depend on the run.
        var random = new Random(unchecked(profile.Seed * 7919 + 104_729 * (index + 1)));

        var suffixes = TrafficCatalog.AccountSuffixes;
        var accounts = new string[profile.AccountsPerTeam];
        for (int a = 0; a < accounts.Length; a++)
            accounts[a] = name + "-" + (a < suffixes.Length ? suffixes[a] : "account-" + (a + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var marketing = new List<int> { 0 };
        for (int a = suffixes.Length; a < accounts.Length; a++) marketing.Add(a);
        int Account(int wanted) => wanted < accounts.Length ? wanted : 0;

        var stems = TrafficCatalog.CampaignStems;
        var campaigns = new string[profile.CampaignsPerTeam];
        var campaignMetadata = new string[campaigns.Length];
        var campaignWeights = new double[campaigns.Length];
        for (int c = 0; c < campaigns.Length; c++)
        {
            string stem = c < stems.Length ? stems[c] : "campaign-" + (c + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            campaigns[c] = name + "-" + stem;
            campaignMetadata[c] = "{\"category\":\"marketing\",\"template\":\"" + stem.Replace('-', '_') + "\"}";
            campaignWeights[c] = 1.0 / Math.Pow(c + 1, 0.8);
        }

        var countries = TrafficCatalog.Countries;
        var countryWeights = new double[countries.Length];
        for (int c = 0; c < countries.Length; c++) countryWeights[c] = countries[c].Weight;
        var countryCumulative = TrafficCatalog.Cumulative(countryWeights);

        int size = profile.RecipientsPerTeam;
        var phones = new string[size];
        var phoneCountry = new byte[size];
        var emails = new string[size];
        Span<char> buffer = stackalloc char[24];
        for (int r = 0; r < size; r++)
        {
            int c = TrafficCatalog.Pick(random, countryCumulative);
            var country = countries[c];
            string prefix = country.Prefixes[random.Next(country.Prefixes.Length)];
            prefix.AsSpan().CopyTo(buffer);
            int length = prefix.Length;
            buffer[length++] = (char)('2' + random.Next(8));
            for (int d = 1; d < country.Digits; d++) buffer[length++] = (char)('0' + random.Next(10));
            phones[r] = new string(buffer[..length]);
            phoneCountry[r] = (byte)c;

            string person = TrafficCatalog.EmailNames[random.Next(TrafficCatalog.EmailNames.Length)];
            string domain = TrafficCatalog.EmailDomains[random.Next(TrafficCatalog.EmailDomains.Length)];
            emails[r] = person + "." + (r + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "@" + domain;
        }

        return new TeamWorld
        {
            Name = name,
            Accounts = accounts,
            Campaigns = campaigns,
            CampaignWhatsAppMetadata = campaignMetadata,
            CampaignCumulative = campaigns.Length == 0 ? [] : TrafficCatalog.Cumulative(campaignWeights),
            Phones = phones,
            PhoneCountry = phoneCountry,
            Emails = emails,
            MarketingAccounts = marketing.ToArray(),
            OtpAccount = Account(1),
            TransactionalAccount = Account(2),
            SupportAccount = Account(3),
            LogisticsAccount = accounts.Length > 5 ? 5 : Account(3),
        };
    }
}
