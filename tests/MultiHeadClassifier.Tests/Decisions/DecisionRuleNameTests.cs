using FluentAssertions;
using MultiHeadClassifier.Decisions;
using Xunit;

namespace MultiHeadClassifier.Tests.Decisions;

public class DecisionRuleNameTests
{
    public static TheoryData<string, string> PropertyNames => new()
    {
        // The documented rule: a rule's name is its property's name in lower case with hyphens.
        { nameof(DecisionRule.Argmax), "argmax" },
        { nameof(DecisionRule.Median), "median" },
        { nameof(DecisionRule.ExpectedValue), "expected-value" },
    };

    [Theory]
    [MemberData(nameof(PropertyNames))]
    public void When_a_named_rule_is_asked_its_name_it_should_be_its_property_name_in_kebab_case(string property, string expected)
    {
        // Arrange
        var rule = (DecisionRule)typeof(DecisionRule).GetProperty(property)!.GetValue(null)!;

        // Act
        string name = rule.Name;

        // Assert
        name.Should().Be(expected);
        DecisionRule.Named.Should().Contain(rule);
    }

    [Theory]
    [InlineData("argmax", "argmax")]
    [InlineData("median", "median")]
    [InlineData("expected-value", "expected-value")]
    [InlineData("  Median ", "median")]
    [InlineData("expected", "expected-value")]
    public void When_a_known_name_is_parsed_it_should_give_the_rule_of_that_name(string text, string name)
    {
        // Act
        var parsed = DecisionRule.Parse(text);

        // Assert
        parsed.Name.Should().Be(name);
        parsed.Should().BeSameAs(DecisionRule.Named.Single(r => r.Name == name));
    }

    [Fact]
    public void When_an_unknown_name_is_parsed_it_should_list_the_accepted_names()
    {
        // Act
        Action act = () => DecisionRule.Parse("mode");
        bool known = DecisionRule.TryParse("mode", out var rule);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*'mode'*argmax, median, expected-value*");
        known.Should().BeFalse();
        rule.Should().BeNull();
    }

    [Fact]
    public void When_the_minimum_expected_cost_rule_is_named_it_should_not_be_parseable_without_its_matrix()
    {
        // Arrange
        var rule = DecisionRule.MinimumExpectedCost(new double[,] { { 0, 1 }, { 1, 0 } });

        // Act
        bool known = DecisionRule.TryParse(rule.Name, out _);

        // Assert
        rule.Name.Should().Be("minimum-expected-cost");
        known.Should().BeFalse("a cost matrix cannot be given by name");
    }
}
