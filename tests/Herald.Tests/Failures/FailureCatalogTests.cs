using Herald.Analytics.Failures;

namespace Herald.Tests.Failures;

public sealed class FailureCatalogTests
{
    [Theory]
    [InlineData("21211", "Invalid 'To' phone number", "Validate E.164 format before sending", "invalid_number", "validation")]
    [InlineData("21614", "'To' number is not a valid mobile number", "Verify mobile vs landline number type", "invalid_number", "validation")]
    [InlineData("30001", "Queue overflow", "Reduce send rate or increase rate limits", "rate_limit", "rate_limit")]
    public void Seed_codes_have_the_seed_descriptions_and_resolutions(string code, string description, string resolution, string category, string group)
    {
        foreach (var provider in new[] { "twilio", null, "Twilio-US" })
        {
            var c = FailureCatalog.Classify(provider, code, null);
            Assert.Equal(code, c.Code);
            Assert.Equal("twilio", c.Family);
            Assert.Equal(description, c.Description);
            Assert.Equal(resolution, c.Resolution);
            Assert.Equal(category, c.Category);
            Assert.Equal(group, c.Group);
            Assert.True(c.Known);
        }
    }

    [Theory]
    [InlineData("twilio", "30003", "twilio", "unreachable", "network")]
    [InlineData("twilio", "30004", "twilio", "blocked", "other")]
    [InlineData("twilio", "30007", "twilio", "content_rejected", "validation")]
    [InlineData("twilio", "30008", "twilio", "provider_error", "network")]
    [InlineData("twilio", "30036", "twilio", "expired", "network")]
    [InlineData("twilio", "21610", "twilio", "blocked", "other")]
    [InlineData("twilio", "20429", "twilio", "rate_limit", "rate_limit")]
    [InlineData("twilio", "13224", "twilio", "invalid_number", "validation")]
    [InlineData("whatsapp-cloud", "131026", "whatsapp", "unreachable", "network")]
    [InlineData("meta", "131047", "whatsapp", "blocked", "other")]
    [InlineData("meta", "131048", "whatsapp", "rate_limit", "rate_limit")]
    [InlineData("meta", "130429", "whatsapp", "rate_limit", "rate_limit")]
    [InlineData("meta", "132001", "whatsapp", "content_rejected", "validation")]
    [InlineData("meta", "368", "whatsapp", "blocked", "other")]
    [InlineData(null, "131051", "whatsapp", "content_rejected", "validation")]
    [InlineData(null, "80007", "whatsapp", "rate_limit", "rate_limit")]
    [InlineData("smpp-eu", "EXPIRED", "smpp", "expired", "network")]
    [InlineData("smpp-eu", "REJECTD:0B", "smpp", "blocked", "other")]
    [InlineData(null, "UNDELIV:001", "smpp", "unreachable", "network")]
    [InlineData(null, "deleted", "smpp", "provider_error", "network")]
    [InlineData(null, "UNKNOWN", "smpp", "other", "other")]
    [InlineData("sendgrid", "5.1.1", "email", "invalid_number", "validation")]
    [InlineData(null, "5.2.2", "email", "unreachable", "network")]
    [InlineData(null, "5.7.3", "email", "blocked", "other")]
    [InlineData(null, "5.4.6", "email", "unreachable", "network")]
    [InlineData(null, "4.4.1", "email", "provider_error", "network")]
    [InlineData("ses", "552", "email", "unreachable", "network")]
    [InlineData("smtp-relay", "554", "email", "blocked", "other")]
    [InlineData(null, "550", "email", "invalid_number", "validation")]
    [InlineData("sendgrid", "bounced_address", "email", "invalid_number", "validation")]
    [InlineData("sendgrid", "unsubscribed_address", "email", "blocked", "other")]
    [InlineData(null, "spam_reporting_address", "email", "blocked", "other")]
    [InlineData("amazon-ses", "MailboxFull", "email", "unreachable", "network")]
    [InlineData("sendgrid", "dropped", "email", "blocked", "other")]
    [InlineData("smpp-gw", "00B", "smpp", "invalid_number", "validation")]
    [InlineData("smpp-gw", "0x00000058", "smpp", "rate_limit", "rate_limit")]
    [InlineData("smpp-gw", "008", "smpp", "provider_error", "network")]
    [InlineData("vonage", "9", "vonage", "invalid_number", "validation")]
    [InlineData("nexmo", "2", "vonage", "unreachable", "network")]
    [InlineData("vonage", "14", "vonage", "blocked", "other")]
    [InlineData("twilio-voice", "486", "twilio", "unreachable", "network")]
    [InlineData("twilio-voice", "404", "twilio", "invalid_number", "validation")]
    public void Every_family_classifies(string? provider, string code, string family, string category, string group)
    {
        var c = FailureCatalog.Classify(provider, code, null);
        Assert.Equal(family, c.Family);
        Assert.Equal(category, c.Category);
        Assert.Equal(group, c.Group);
        Assert.True(c.Known);
        Assert.False(string.IsNullOrWhiteSpace(c.Description));
        Assert.False(string.IsNullOrWhiteSpace(c.Resolution));
    }

    [Fact]
    public void Codes_are_normalized()
    {
        Assert.Equal("REJECTD:0B", FailureCatalog.Classify("smpp", "rejectd:0b").Code);
        Assert.Contains("0B", FailureCatalog.Classify("smpp", "REJECTD:0B").Description);
        Assert.Equal("UNDELIV", FailureCatalog.Classify(null, " UNDELIV ").Code);
        Assert.Equal("bounced_address", FailureCatalog.Classify("sendgrid", "Bounced Address").Code);
        Assert.Equal("mailbox_full", FailureCatalog.Classify("ses", "MailboxFull").Code);
        Assert.Equal("suppress_bounce", FailureCatalog.Classify("mailgun", "suppress-bounce").Code);
        Assert.Equal("21211", FailureCatalog.Classify("twilio", " 21211 ").Code);
        Assert.Equal("00B", FailureCatalog.Classify("smpp-gw", "00b").Code);
        Assert.Contains("ESME_RINVDSTADR", FailureCatalog.Classify("smpp", "UNDELIV:00B").Description);
        Assert.Equal("unreachable", FailureCatalog.Classify("smpp", "UNDELIV:00B").Category); // the stat word decides
        // The same small number means different things per family.
        Assert.Equal("provider_error", FailureCatalog.Classify("meta", "2").Category);
        Assert.Equal("unreachable", FailureCatalog.Classify("vonage", "2").Category);
    }

    [Fact]
    public void A_plain_smtp_reply_is_refined_by_the_enhanced_code_in_its_text()
    {
        var plain = FailureCatalog.Classify("smtp", "550", null);
        Assert.Equal("invalid_number", plain.Category);
        var policy = FailureCatalog.Classify("smtp", "550", "550 5.7.1 Message rejected as spam");
        Assert.Equal("550", policy.Code);
        Assert.Equal("blocked", policy.Category);
        Assert.Contains("5.7.1", policy.Description);
    }

    [Theory]
    [InlineData("twilio", "99999", "twilio")]
    [InlineData(null, "98765", "twilio")]
    [InlineData(null, "999999", "whatsapp")]
    [InlineData("meta", "31337", "whatsapp")]
    [InlineData("vonage", "X-42", "vonage")]
    [InlineData("acme-sms", "X-42", "unknown")]
    [InlineData("smpp-gw", "0AB", "smpp")]
    [InlineData(null, "weird code", "unknown")]
    [InlineData("sendgrid", "Some New Reason", "email")]
    public void Unknown_codes_are_kept_under_their_own_code(string? provider, string code, string family)
    {
        var c = FailureCatalog.Classify(provider, code, "whatever");
        Assert.False(c.Known);
        Assert.Equal(family, c.Family);
        Assert.Equal("other", c.Category);
        Assert.Equal("other", c.Group);
        Assert.Equal("Unrecognized error code", c.Description);
        Assert.Equal(family == "email" ? "some_new_reason" : code.Trim(), c.Code);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void No_code_is_code_unknown(string? code)
    {
        var c = FailureCatalog.Classify("twilio", code, "Something failed");
        Assert.Equal("unknown", c.Code);
        Assert.Equal("twilio", c.Family);
        Assert.Equal("other", c.Category);
        Assert.False(c.Known);
        Assert.Equal("unknown", FailureCatalog.Classify(null, null).Family);
    }

    [Fact]
    public void A_provider_family_that_lacks_the_code_falls_back_to_the_code_shape()
    {
        // A Twilio-routed SMPP receipt, an email reason reported under a generic provider name.
        Assert.Equal("smpp", FailureCatalog.Classify("twilio", "UNDELIV:001").Family);
        Assert.Equal("email", FailureCatalog.Classify("acme-relay", "5.1.1").Family);
        Assert.Equal("email", FailureCatalog.Classify("vonage", "bounced_address").Family);
    }

    [Fact]
    public void The_catalog_is_large_and_consistent()
    {
        var all = FailureCatalog.Entries().ToList();
        Assert.True(all.Count(e => e.Family == "twilio") >= 30, "at least 30 Twilio codes");
        Assert.True(all.Count(e => e.Family == "whatsapp") >= 30, "at least 30 WhatsApp codes");
        Assert.True(all.Count(e => e.Family == "smpp") >= 5);
        Assert.True(all.Count(e => e.Family == "email") >= 20);
        Assert.True(all.Count(e => e.Family == "vonage") >= 20);
        foreach (var e in all)
        {
            Assert.True(e.Known);
            Assert.Contains(e.Category, FailureCategories.All);
            Assert.Equal(FailureCategories.GroupOf(e.Category), e.Group);
            // Every listed entry classifies to itself.
            var again = FailureCatalog.Classify(e.Family == "email" ? "sendgrid" : e.Family, e.Code);
            Assert.Equal((e.Family, e.Code, e.Category), (again.Family, again.Code, again.Category));
        }
        Assert.Equal(all.Count, all.Select(e => (e.Family, e.Code)).Distinct().Count());
        Assert.All(FailureCatalog.Entries("smpp"), e => Assert.Equal("smpp", e.Family));
    }

    [Fact]
    public void Categories_map_to_the_seed_groups()
    {
        Assert.Equal("validation", FailureCategories.GroupOf("invalid_number"));
        Assert.Equal("validation", FailureCategories.GroupOf("content_rejected"));
        Assert.Equal("network", FailureCategories.GroupOf("unreachable"));
        Assert.Equal("network", FailureCategories.GroupOf("provider_error"));
        Assert.Equal("network", FailureCategories.GroupOf("expired"));
        Assert.Equal("rate_limit", FailureCategories.GroupOf("rate_limit"));
        Assert.Equal("other", FailureCategories.GroupOf("blocked"));
        Assert.Equal("other", FailureCategories.GroupOf("other"));
    }

    [Theory]
    [InlineData(0, 0, "stable", 0.0)]
    [InlineData(5, 0, "increasing", null)]
    [InlineData(50, 75, "decreasing", -33.33)]
    [InlineData(105, 100, "stable", 5.0)]
    [InlineData(95, 100, "stable", -5.0)]
    [InlineData(106, 100, "increasing", 6.0)]
    [InlineData(0, 3, "decreasing", -100.0)]
    public void Trend_is_stable_within_five_percent(long current, long previous, string trend, double? change)
    {
        var t = FailureTrend.Of(current, previous);
        Assert.Equal(trend, t.Trend);
        Assert.Equal(change, t.ChangePercent);
    }
}
