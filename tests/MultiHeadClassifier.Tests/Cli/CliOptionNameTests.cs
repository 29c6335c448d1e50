using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Cli.Commands;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Heads;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>The command line names things exactly as the library does, and still reads the earlier names.</summary>
public class CliOptionNameTests
{
    public static TheoryData<string> WeightingNames =>
        [.. new[] { ClassWeighting.None, ClassWeighting.Balanced(), ClassWeighting.InverseSqrt(), ClassWeighting.EffectiveNumber() }.Select(w => w.Name)];

    [Theory]
    [MemberData(nameof(WeightingNames))]
    public void When_a_class_weighting_is_given_by_its_library_name_it_should_parse_to_that_weighting(string name)
    {
        // Act
        var weighting = OptionParsers.Weighting(name);

        // Assert
        weighting.Name.Should().Be(name);
    }

    [Theory]
    [InlineData("sqrt", "inverse-sqrt")]
    [InlineData("effective", "effective-number")]
    [InlineData("effective:0.9", "effective-number:0.9")]
    public void When_a_class_weighting_has_its_earlier_name_it_should_parse_like_the_current_name(string earlier, string current)
    {
        // Act
        var fromEarlier = OptionParsers.Weighting(earlier);
        var fromCurrent = OptionParsers.Weighting(current);

        // Assert
        fromEarlier.Should().Be(fromCurrent);
    }

    [Fact]
    public void When_a_class_weighting_is_unknown_it_should_list_the_current_names()
    {
        // Act
        var act = () => OptionParsers.Weighting("log");

        // Assert
        act.Should().Throw<CliException>().WithMessage("*'log' is not one of none, balanced, inverse-sqrt, effective-number[:beta].");
    }

    [Theory]
    [InlineData("argmax")]
    [InlineData("median")]
    [InlineData("expected-value")]
    public void When_a_decision_rule_is_given_by_its_library_name_it_should_parse_to_that_rule(string name)
    {
        // Act
        var rule = OptionParsers.Decision(name);

        // Assert
        rule.Should().BeSameAs(DecisionRule.Named.Single(r => r.Name == name));
    }

    [Fact]
    public void When_the_decision_rule_has_its_earlier_name_expected_it_should_be_the_expected_value_rule()
    {
        // Act
        var rule = OptionParsers.Decision("expected");

        // Assert
        rule.Should().BeSameAs(DecisionRule.ExpectedValue);
    }
}
