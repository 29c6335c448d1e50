using FluentAssertions;
using MultiHeadClassifier.Training;
using MultiHeadClassifier.Training.Optimization;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Training.Optimization;

/// <summary>The flat optimizers against TorchSharp's own per-parameter optimizers, an independent implementation of the same rules.</summary>
public class FlatOptimizerTests
{
    private static Sequential NewNetwork(ulong seed)
    {
        var network = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3));
        using var generator = new Generator(seed, CPU);
        using var noGrad = no_grad();
        foreach (var parameter in network.parameters())
        {
            parameter.uniform_(-0.5, 0.5, generator);
        }

        return network;
    }

    private static Tensor Loss(Sequential network, Tensor x) => network.forward(x).pow(2).mean();

    [Theory]
    [InlineData(OptimizerKind.Adam, 0.0)]
    [InlineData(OptimizerKind.Adam, 0.05)]
    [InlineData(OptimizerKind.AdamW, 0.05)]
    [InlineData(OptimizerKind.Sgd, 0.0)]
    [InlineData(OptimizerKind.Sgd, 0.05)]
    public void When_stepping_6_times_it_should_match_torchsharps_optimizer(OptimizerKind kind, double weightDecay)
    {
        // Arrange: two identical networks and one batch of inputs.
        using var flatNetwork = NewNetwork(3);
        using var referenceNetwork = NewNetwork(3);
        using var x = randn(8, 6, generator: new Generator(4, CPU));
        using var flat = new FlatParameters(flatNetwork.parameters());
        using var optimizer = OptimizerFactory.Create(kind, flat, 0.05, weightDecay, momentum: 0.9);
        var referenceParameters = referenceNetwork.parameters().ToArray();
        using optim.Optimizer reference = kind switch
        {
            OptimizerKind.AdamW => optim.AdamW(referenceParameters, lr: 0.05, weight_decay: weightDecay),
            OptimizerKind.Sgd => optim.SGD(referenceParameters, 0.05, momentum: 0.9, weight_decay: weightDecay),
            _ => optim.Adam(referenceParameters, lr: 0.05, weight_decay: weightDecay),
        };

        // Act
        for (int step = 0; step < 6; step++)
        {
            using var scope = NewDisposeScope();
            flat.ZeroGradients();
            Loss(flatNetwork, x).backward();
            optimizer.Step();
            reference.zero_grad();
            Loss(referenceNetwork, x).backward();
            reference.step();
        }

        // Assert
        float[] actual = TestData.Flatten(flatNetwork.parameters());
        float[] expected = TestData.Flatten(referenceParameters);
        actual.Should().NotEqual(TestData.Flatten(NewNetwork(3).parameters()), "the parameters must have moved");
        actual.Should().Equal(expected, (a, b) => Math.Abs(a - b) <= 1e-5f);
    }

    [Fact]
    public void When_parameters_are_flattened_it_should_keep_their_values_and_follow_the_per_parameter_norm_and_clipping()
    {
        // Arrange
        using var network = NewNetwork(5);
        float[] before = TestData.Flatten(network.parameters());
        using var x = randn(8, 6, generator: new Generator(6, CPU));

        // Act
        using var flat = new FlatParameters(network.parameters());
        Loss(network, x).backward();
        double expectedNorm = Math.Sqrt(network.parameters().Sum(p => Math.Pow(p.grad!.norm().item<float>(), 2)));
        double norm = flat.GradientNorm();
        double clippedFrom = flat.ClipGradientNorm(expectedNorm / 4);

        // Assert
        TestData.Flatten(network.parameters()).Should().Equal(before);
        norm.Should().BeApproximately(expectedNorm, 1e-5 * expectedNorm);
        clippedFrom.Should().BeApproximately(expectedNorm, 1e-5 * expectedNorm);
        flat.GradientNorm().Should().BeApproximately(expectedNorm / 4, 1e-5 * expectedNorm);
        using (no_grad())
        {
            flat.Values.add_(1);
        }

        TestData.Flatten(network.parameters()).Should().Equal(before.Select(v => v + 1f), (a, b) => Math.Abs(a - b) <= 1e-6f, "the parameters are views of the flat buffer");
    }

    [Fact]
    public void When_a_saved_state_is_loaded_into_a_fresh_optimizer_it_should_take_identical_next_steps()
    {
        // Arrange: two Adam steps, save, then compare a continued optimizer with a restored one.
        using var network = NewNetwork(7);
        using var twin = NewNetwork(7);
        using var x = randn(8, 6, generator: new Generator(8, CPU));
        using var flat = new FlatParameters(network.parameters());
        using var twinFlat = new FlatParameters(twin.parameters());
        using var optimizer = OptimizerFactory.Create(OptimizerKind.Adam, flat, 0.05, 0, 0);
        using var twinOptimizer = OptimizerFactory.Create(OptimizerKind.Adam, twinFlat, 0.05, 0, 0);
        void Step(FlatParameters p, FlatOptimizer o, Sequential n)
        {
            using var scope = NewDisposeScope();
            p.ZeroGradients();
            Loss(n, x).backward();
            o.Step();
        }

        Step(flat, optimizer, network);
        Step(flat, optimizer, network);
        var state = new MemoryStream();
        optimizer.Save(new BinaryWriter(state));
        using (no_grad())
        {
            twinFlat.Values.copy_(flat.Values);
        }

        // Act
        state.Position = 0;
        twinOptimizer.Load(new BinaryReader(state));
        Step(flat, optimizer, network);
        Step(twinFlat, twinOptimizer, twin);

        // Assert
        TestData.Flatten(twin.parameters()).Should().Equal(TestData.Flatten(network.parameters()));
        state.Position = 0;
        var sgd = OptimizerFactory.Create(OptimizerKind.Sgd, twinFlat, 0.05, 0, 0.9);
        var act = () => sgd.Load(new BinaryReader(state));
        act.Should().Throw<InvalidDataException>().WithMessage("*of Adam, not Sgd*");
    }
}
