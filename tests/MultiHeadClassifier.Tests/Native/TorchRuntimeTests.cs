using FluentAssertions;
using MultiHeadClassifier.Native;
using Xunit;

namespace MultiHeadClassifier.Tests.Native;

public class TorchRuntimeTests
{
    [Fact]
    public void When_libtorch_loads_it_should_not_throw_and_a_tensor_should_compute()
    {
        var act = TorchRuntime.EnsureLoaded;

        act.Should().NotThrow();
        TorchSharp.torch.ones(3).sum().item<float>().Should().Be(3f);
    }
}
