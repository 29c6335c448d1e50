using FluentAssertions;
using MultiHeadClassifier.Decisions;
using Xunit;

namespace MultiHeadClassifier.Tests.Decisions;

public class DecisionRuleNamesSpecs
{
    [Theory]
    [InlineData("argmax", DecisionRuleKind.Argmax)]
    [InlineData("median", DecisionRuleKind.OrdinalMedian)]
    [InlineData("expected", DecisionRuleKind.ExpectedValue)]
    [InlineData("  Median ", DecisionRuleKind.OrdinalMedian)]
    public void When_a_known_name_is_parsed_it_should_give_its_kind(string name, DecisionRuleKind kind)
    {
        // Act
        DecisionRuleKind parsed = DecisionRuleNames.Parse(name);

        // Assert
        parsed.Should().Be(kind);
    }

    [Fact]
    public void When_an_unknown_name_is_parsed_it_should_list_the_accepted_names()
    {
        // Act
        Action act = () => DecisionRuleNames.Parse("mode");
        bool known = DecisionRuleNames.TryParse("mode", out _);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*'mode'*argmax, median, expected*");
        known.Should().BeFalse();
    }

    [Theory]
    [InlineData(DecisionRuleKind.Argmax)]
    [InlineData(DecisionRuleKind.OrdinalMedian)]
    [InlineData(DecisionRuleKind.ExpectedValue)]
    public void When_a_kind_is_named_it_should_parse_back_to_the_same_kind(DecisionRuleKind kind)
    {
        // Act
        DecisionRuleKind roundTrip = DecisionRuleNames.Parse(DecisionRuleNames.ToName(kind));

        // Assert
        roundTrip.Should().Be(kind);
    }
}
