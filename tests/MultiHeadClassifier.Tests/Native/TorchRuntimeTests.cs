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

    [Fact]
    public void When_the_load_failed_for_a_missing_GLIBCXX_version_it_should_lead_with_that_cause_and_the_build_step()
    {
        // Arrange: the loader's message on Debian 12 for an unpatched copy, wrapped as TorchSharp wraps it.
        var error = new TypeInitializationException("TorchSharp.torch", new DllNotFoundException(
            "Unable to load shared library 'LibTorchSharp': /app/runtimes/linux-x64/native/libLibTorchSharp.so: "
            + "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found"));

        // Act
        string message = TorchRuntime.Explain(error);

        // Assert
        message.Should().StartWith("TorchSharp's native libraries could not be loaded. Cause: libLibTorchSharp.so needs GLIBCXX_3.4.32");
        message.Should().Contain("MultiHeadClassifierPatchLibTorchSharp=always");
        message.IndexOf("GLIBCXX_3.4.32", StringComparison.Ordinal).Should().BeLessThan(message.IndexOf("Details:", StringComparison.Ordinal));
        message.Should().NotContain("Reference a libtorch backend package", "the backend is there; the host's libstdc++ is the cause");
    }

    [Fact]
    public void When_the_load_failed_because_no_backend_is_referenced_it_should_say_to_reference_one()
    {
        // Arrange
        var error = new TypeInitializationException("TorchSharp.torch", new DllNotFoundException(
            "Unable to load shared library 'LibTorchSharp' or one of its dependencies: libLibTorchSharp.so: cannot open shared object file: No such file or directory"));

        // Act
        string message = TorchRuntime.Explain(error);

        // Assert
        message.Should().StartWith("TorchSharp's native libraries could not be loaded. Cause: a native library was not found. Reference a libtorch backend package");
        message.Should().EndWith("cannot open shared object file: No such file or directory.");
    }
}
