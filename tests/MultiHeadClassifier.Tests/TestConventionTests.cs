using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace MultiHeadClassifier.Tests;

/// <summary>Keeps the test suite in one form: classes end in <c>Tests</c>, tests read <c>When_…_it_should_…</c>.</summary>
public partial class TestConventionTests
{
    private static readonly MethodInfo[] TestMethods = [.. typeof(TestConventionTests).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        .Where(m => m.GetCustomAttributes<FactAttribute>().Any())];

    [Fact]
    public void When_the_suite_is_listed_it_should_name_every_test_When_condition_it_should_outcome()
    {
        // Act
        var offenders = TestMethods.Where(m => !TestName().IsMatch(m.Name)).Select(m => $"{m.DeclaringType!.Name}.{m.Name}").ToList();

        // Assert
        TestMethods.Should().HaveCountGreaterThan(100, "the scan must see the suite (Theory derives from Fact)");
        string.Join(", ", offenders).Should().BeEmpty("every offender is listed");
    }

    [Fact]
    public void When_the_suite_is_listed_it_should_put_every_test_in_a_class_whose_name_ends_in_Tests()
    {
        // Act
        var offenders = TestMethods.Select(m => m.DeclaringType!).Distinct().Where(t => !t.Name.EndsWith("Tests", StringComparison.Ordinal)).Select(t => t.FullName).ToList();

        // Assert
        string.Join(", ", offenders).Should().BeEmpty("every offender is listed");
    }

    [GeneratedRegex("^When_[A-Za-z0-9]+(_[A-Za-z0-9]+)*_it_should_[A-Za-z0-9]+(_[A-Za-z0-9]+)*$")]
    private static partial Regex TestName();
}
