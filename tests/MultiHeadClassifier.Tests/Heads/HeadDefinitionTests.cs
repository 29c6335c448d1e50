using FluentAssertions;
using MultiHeadClassifier.Heads;
using Xunit;

namespace MultiHeadClassifier.Tests.Heads;

public class HeadDefinitionTests
{
    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void When_the_name_is_empty_it_should_throw(string name)
    {
        var act = () => new HeadDefinition(name, 5);

        act.Should().Throw<ArgumentException>().WithMessage("*name must not be empty*");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-3)]
    public void When_K_is_below_2_it_should_throw_naming_the_head(int k)
    {
        var act = () => new HeadDefinition("makeup", k);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'makeup'*at least 2 classes*");
    }

    [Fact]
    public void When_two_heads_share_a_name_it_should_throw_naming_it()
    {
        HeadDefinition[] heads = [new("plot", 5), new("acting", 5), new("plot", 3)];

        var act = () => HeadDefinition.ValidateSet(heads);

        act.Should().Throw<ArgumentException>().WithMessage("*'plot'*more than one head*position 2*");
    }

    [Fact]
    public void When_class_names_have_the_wrong_length_it_should_throw()
    {
        var act = () => new HeadDefinition("plot", 3, classNames: ["bad", "good"]);

        act.Should().Throw<ArgumentException>().WithMessage("*'plot'*3 classes but 2 class names*");
    }

    [Fact]
    public void When_no_class_names_are_given_it_should_name_classes_by_index()
    {
        new HeadDefinition("plot", 3).ClassNames.Should().Equal("0", "1", "2");
    }
}
