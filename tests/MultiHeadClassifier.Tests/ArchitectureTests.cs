using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using MultiHeadClassifier.Modeling;
using NetArchTest.Rules;
using Xunit;

namespace MultiHeadClassifier.Tests;

/// <summary>
/// Guards the layering README.md describes: a namespace of the library names only types of its own namespace
/// and of lower layers, never of a higher layer or of a peer in its own layer. Checked on the compiled
/// assembly (NetArchTest reads every type reference in signatures and method bodies), so it sees what the
/// compiler saw, not what comments say.
/// </summary>
public class ArchitectureTests
{
    /// <summary>The layers, low to high; namespaces in one layer are peers and must not use each other.</summary>
    private static readonly string[][] Layers =
    [
        ["Internal", "Native"],
        ["Heads"],
        ["Data"],
        ["Modeling"],
        ["Training.Optimization"],
        ["Training"],
        ["Corrections", "Decisions"],
        ["Ensembles"],
        ["Evaluation"],
        ["Persistence"],
        ["Export"],
    ];

    private static readonly Assembly Library = typeof(MultiHeadModel).Assembly;

    /// <summary>Every namespace that has a higher layer or a peer to keep away from (all but the top one).</summary>
    public static TheoryData<string> Constrained => [.. Layers.SelectMany(layer => layer).Where(n => Forbidden(n).Length > 0)];

    [Theory]
    [MemberData(nameof(Constrained))]
    public void When_a_namespace_is_checked_it_should_use_no_type_of_a_higher_or_peer_layer(string name)
    {
        // Arrange
        string[] forbidden = TypesIn(Forbidden(name));

        // Act
        var result = Check(name, forbidden);

        // Assert
        result.FailingTypeNames.Should().BeNullOrEmpty(
            $"{name} may use only {string.Join(", ", Allowed(name))}, but these of its types use one of {string.Join(", ", Forbidden(name))}");
    }

    [Fact]
    public void When_every_namespace_of_the_library_is_listed_it_should_have_a_layer()
    {
        // Arrange
        var actual = Library.GetTypes()
            .Select(t => t.Namespace)
            .Where(n => n is not null && n.StartsWith("MultiHeadClassifier.", StringComparison.Ordinal))
            .Select(n => n!["MultiHeadClassifier.".Length..])
            .Distinct();

        // Assert
        Layers.SelectMany(layer => layer).Should().BeEquivalentTo(actual, "a namespace without a layer would escape the rule");
    }

    [Fact]
    public void When_a_known_upward_edge_is_checked_it_should_be_reported()
    {
        // Arrange: Persistence reads Modeling (ModelFile builds MultiHeadModel), so asking Persistence to avoid
        // Modeling must fail; this proves the check sees real dependencies and can fail.
        string[] modeling = TypesIn(["Modeling"]);

        // Act
        var result = Check("Persistence", modeling);

        // Assert
        result.IsSuccessful.Should().BeFalse();
        result.FailingTypeNames.Should().Contain("MultiHeadClassifier.Persistence.ModelFile");
    }

    private static TestResult Check(string name, string[] forbidden) =>
        Types.InAssembly(Library)
            .That().ResideInNamespaceMatching($"^{Regex.Escape("MultiHeadClassifier." + name)}$")
            .ShouldNot().HaveDependencyOnAny(forbidden)
            .GetResult();

    private static int LayerOf(string name) => Array.FindIndex(Layers, layer => layer.Contains(name));

    private static IEnumerable<string> Allowed(string name) =>
        Layers.Take(LayerOf(name)).SelectMany(layer => layer).Append(name);

    private static string[] Forbidden(string name) =>
        [.. Layers.Skip(LayerOf(name)).SelectMany(layer => layer).Where(n => n != name)];

    /// <summary>Full names of the types declared exactly in these namespaces (not in namespaces below them).</summary>
    private static string[] TypesIn(IEnumerable<string> names)
    {
        var set = names.Select(n => "MultiHeadClassifier." + n).ToHashSet(StringComparer.Ordinal);
        return [.. Library.GetTypes().Where(t => t.Namespace is { } ns && set.Contains(ns) && !t.IsNested).Select(t => t.FullName!)];
    }
}
