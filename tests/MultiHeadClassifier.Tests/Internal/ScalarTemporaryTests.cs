using FluentAssertions;
using MultiHeadClassifier.Modeling;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Internal;

/// <summary>
/// Guards the rule README's "Robustness" paragraph states: the library never hands libtorch a TorchSharp
/// <see cref="Scalar"/> that nothing keeps alive (an implicit conversion such as <c>t * 2.0</c>, or a convenience
/// overload such as <c>add_(Tensor)</c> that makes <c>Scalar 1</c> itself). Such a temporary's finalizer may free its
/// native handle mid-call; long runs crashed in libtorch with "Unknown scalar type" that way.
/// </summary>
public class ScalarTemporaryTests
{
    [Fact]
    public void When_the_library_is_scanned_it_should_make_no_scalar_temporary()
    {
        // Act
        var sites = ScalarTemporaryScanner.Scan(typeof(MultiHeadModel).Assembly);

        // Assert
        sites.Should().BeEmpty(
            string.Join(Environment.NewLine, sites) + Environment.NewLine + "every Scalar the library passes to TorchSharp must be held (Internal/Scalars, a field, or a using local) and every optional Scalar passed explicitly");
    }

    [Fact]
    public void When_code_converts_implicitly_or_calls_a_convenience_overload_it_should_report_each_site()
    {
        // Act: Planted holds four violations and two held uses.
        var sites = ScalarTemporaryScanner.Scan(typeof(Planted));

        // Assert
        sites.Select(s => $"{s.Caller.Name}:{s.Callee.Name}").Should().BeEquivalentTo(
            ["ImplicitDouble:op_Implicit", "ConvenienceAdd:add_", "InlineToScalar:ToScalar", "LocalNotDisposed:ToScalar"]);
    }

    [Fact]
    public void When_torchsharp_is_scanned_it_should_find_the_overloads_its_source_shows_making_a_temporary()
    {
        // Arrange: TorchSharp 0.107.0's src/TorchSharp/Tensor/Tensor.Math.cs: add_(Tensor target) is
        // `return add_(target, 1);` and addcdiv_(t1, t2) is `return addcdiv_(t1, t2, 1);`, while add_(Tensor, Scalar)
        // and mul_(Scalar) pass the caller's Scalar straight to native code.
        var hidden = ScalarTemporaryScanner.HiddenScalarMethods()
            .Where(m => m.DeclaringType == typeof(Tensor))
            .Select(m => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})")
            .ToHashSet();

        // Assert
        hidden.Should().Contain(["add_(Tensor)", "add(Tensor)", "addcdiv_(Tensor, Tensor)"]);
        hidden.Should().NotContain(["add_(Tensor, Scalar)", "mul_(Scalar)", "addcmul_(Tensor, Tensor, Scalar)"]);
    }

    /// <summary>Uses the scanner must report, beside uses it must accept; never called.</summary>
    private static class Planted
    {
        private static readonly Scalar Two = 2.0.ToScalar();

        public static Tensor ImplicitDouble(Tensor t) => t.mul(2.0);

        public static Tensor ConvenienceAdd(Tensor t, Tensor u) => t.add_(u);

        public static Tensor InlineToScalar(Tensor t) => t.mul(2.0.ToScalar());

        public static Tensor HeldStatic(Tensor t) => t.mul(Two);

        public static Tensor LocalNotDisposed(Tensor t)
        {
            using var scope = NewDisposeScope();
            var four = 4.0.ToScalar();
            return t.mul(four).MoveToOuterDisposeScope();
        }

        public static Tensor HeldLocal(Tensor t)
        {
            using var three = 3.0.ToScalar();
            return t.mul(three);
        }
    }
}
