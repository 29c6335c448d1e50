using FluentAssertions;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;
using Xunit;

namespace MultiHeadClassifier.Tests.Modeling;

public sealed class MlpBackboneTests
{
    public static TheoryData<int[], bool, double> Configurations => new()
    {
        { [], false, 0 },
        { [7], false, 0 },
        { [7], true, 0 },
        { [7, 5], false, 0.2 },
        { [7, 5, 3], true, 0.1 },
        { [1, 1, 1, 1], true, 0 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void When_the_state_dict_is_computed_from_the_options_it_should_equal_the_one_a_built_model_has(int[] hidden, bool layerNorm, double dropout)
    {
        // Arrange: a real model, built from the same options.
        var options = new MlpBackboneOptions { HiddenSizes = hidden, LayerNorm = layerNorm, Dropout = dropout };
        HeadDefinition[] heads = [new("a", 3), new("b", 4), new("c", 5, loss: HeadLoss.Coral), new("d", 3, loss: HeadLoss.Corn)];
        using var model = MultiHeadModel.Create(6, heads, new MultiHeadModelOptions { Backbone = options, Seed = 1 });
        var actual = StateDict.Specs(model.Network);

        // Act
        var computed = MultiHeadNetwork.StateDictSpecs(MlpBackbone.StateDictSpecs(6, options), model.BackboneOutputWidth, heads);

        // Assert
        computed.Select(s => (s.Name, s.DType, s.ShapeText)).Should().Equal(actual.Select(s => (s.Name, s.DType, s.ShapeText)));
    }
}
