using Herald.Domain;
using Herald.Recordings;
using Herald.Storage;

namespace Herald.Tests.Calls;

/// <summary>The offline analysis on text fixtures of what customers say on delivery calls (punctuated, and as a recogniser writes it).</summary>
public sealed class CallAnalyzerTests
{
    [Fact]
    public void An_instruction_a_place_and_a_time_are_found_in_a_polite_request()
    {
        var a = CallAnalyzer.Analyze("Hi, thanks for calling. Please leave it at the back door, I'll be home after 5 pm. Thank you!", 0.9);
        Assert.Equal("positive", a.Sentiment);
        Assert.Equal("leave it at the back door", a.Instructions);
        Assert.Equal("normal", a.Priority);
        Assert.Contains(a.Entities, e => e is { Type: "place", Value: "back door" });
        Assert.Contains(a.Entities, e => e is { Type: "time", Value: "5 pm" });
        Assert.Contains("leave it at the back door", a.Summary);
        Assert.InRange(a.ConfidenceScore, 0.5, 0.9);
    }

    [Fact]
    public void Recogniser_output_without_punctuation_or_capitals_still_yields_the_instruction()
    {
        var a = CallAnalyzer.Analyze("yes please give it to my neighbor at apartment four b i will be out until three o'clock", 0.7);
        Assert.Equal("give it to my neighbor at apartment four b i will be out until three o'clock", a.Instructions);
        Assert.Contains(a.Entities, e => e is { Type: "place", Value: "apartment four" });
        Assert.Contains(a.Entities, e => e is { Type: "time", Value: "three o'clock" });
    }

    [Fact]
    public void Urgency_and_complaints_make_an_urgent_negative_call()
    {
        var a = CallAnalyzer.Analyze("This is ridiculous, the package is late again. I need it delivered immediately, it's medicine. Ask for Maria at reception.");
        Assert.Equal(("negative", "urgent"), (a.Sentiment, a.Priority));
        Assert.Contains(a.Entities, e => e is { Type: "name", Value: "Maria" });
        Assert.Contains(a.Entities, e => e is { Type: "place", Value: "reception" });
        Assert.Contains("medicine", a.Keywords);
    }

    [Fact]
    public void A_negation_turns_a_positive_word_and_a_relaxed_customer_is_low_priority()
    {
        Assert.Equal("negative", CallAnalyzer.Analyze("I am not happy with how this went").Sentiment);
        var relaxed = CallAnalyzer.Analyze("no rush, tomorrow morning is fine, just knock on the front door");
        Assert.Equal(("low", "positive"), (relaxed.Priority, relaxed.Sentiment));
        Assert.Equal("knock on the front door", relaxed.Instructions);
        Assert.Contains(relaxed.Entities, e => e is { Type: "time", Value: "tomorrow morning" });
    }

    [Fact]
    public void No_speech_is_neutral_with_nothing_found_and_no_confidence()
    {
        var a = CallAnalyzer.Analyze("  ");
        Assert.Equal(("neutral", "normal", null, 0.0), (a.Sentiment, a.Priority, a.Instructions, a.ConfidenceScore));
        Assert.Empty(a.Entities);
        Assert.Equal("go forward ten meters", PocketSphinxTranscriber.Parse("go forward ten meters\n<s> 0.000 0.240 1.000000\n<sil> 0.250 0.450 0.706282\ngo 0.460 0.630 0.997303\nforward(2) 0.640 1.160 0.996207\nten 1.170 1.520 0.243981\n[NOISE] 1.2 1.3 0.5\nmeters 1.530 2.110 0.806360\n</s> 2.120 2.600 1.000000\n").Text);
    }

    [Fact]
    public void The_instructions_go_to_the_package_and_urgency_raises_the_deliverys_priority()
    {
        var delivery = new DeliveryRecord(1, "del_1", 1, "cus_1", null, "1 Main St", new GeoPoint(-74, 40.7), 0, 30, Status.Scheduled, DeliveryPriority.Normal,
            """{"weight":2.5,"fragile":true,"signature_required":false,"special_instructions":"old"}""", true, null, null, null, null, null, null, 0, 3, 0, 0);
        var urgent = RecordingPipeline.ApplyAnalysis(delivery, CallAnalyzer.Analyze("Please leave it with the concierge, it is urgent"));
        Assert.Equal(DeliveryPriority.Urgent, urgent.Priority);
        var package = Herald.Deliveries.PackageDetails.FromJson(urgent.PackageDetailsJson)!;
        Assert.Equal(("leave it with the concierge", 2.5, true), (package.SpecialInstructions, package.Weight, package.Fragile));

        var calm = RecordingPipeline.ApplyAnalysis(delivery with { Priority = DeliveryPriority.High }, CallAnalyzer.Analyze("ring the bell twice at the side gate"));
        Assert.Equal(DeliveryPriority.High, calm.Priority);
        Assert.Equal("ring the bell twice at the side gate", Herald.Deliveries.PackageDetails.FromJson(calm.PackageDetailsJson)!.SpecialInstructions);
    }
}
