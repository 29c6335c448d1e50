using FluentAssertions;
using MultiHeadClassifier.Export;
using MultiHeadClassifier.Modeling;
using Xunit;

namespace MultiHeadClassifier.Tests.Export;

/// <summary>
/// Seeded, bounded fuzzing of the safetensors reader and the pair import: every damaged pair must import to a
/// model that predicts exactly as the original, or fail with an <see cref="InvalidDataException"/> naming the
/// damaged file, never with another exception type.
/// </summary>
public sealed class SafetensorsFuzzTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-safetensors-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_safetensors_files_or_sidecars_are_truncated_corrupted_or_random_it_should_import_them_unchanged_or_throw_InvalidDataException_naming_them()
    {
        // Arrange: one valid pair, then 400 seeded mutations of one of its files.
        using var model = MultiHeadModel.Create(4, TestData.Heads(), new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [3], LayerNorm = true } });
        string original = Path.Combine(_folder, "original.safetensors");
        model.ExportSafetensors(original);
        byte[] tensors = File.ReadAllBytes(original);
        byte[] sidecar = File.ReadAllBytes(Path.Combine(_folder, "original.json"));
        int headerEnd = 8 + BitConverter.ToInt32(tensors, 0);
        var x = ExportAssertions.RandomFeatures(5, 4, seed: 1);
        float[] expected = [.. model.Predict(x)["plot"].Cast<float>()];
        var random = new Random(4321);
        var outcomes = new Dictionary<string, int>();

        for (int i = 0; i < 400; i++)
        {
            bool damageTensors = i % 2 == 0;
            byte[] source = damageTensors ? tensors : sidecar;
            byte[] damaged = (i / 2 % 7) switch
            {
                0 => source[..random.Next(source.Length)],                                              // truncated
                1 => Flip(source, random, 0, damageTensors ? headerEnd : source.Length, random.Next(1, 4)), // header or JSON
                2 => Flip(source, random, damageTensors ? headerEnd : 0, source.Length, 1),              // data (or JSON)
                3 => RandomBytes(random, random.Next(0, 96)),                                           // not a file of the kind
                4 => [.. source, .. RandomBytes(random, random.Next(1, 9))],                             // extended
                5 => damageTensors ? [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, .. source[8..]] : [0xEF, 0xBB, 0xBF, .. source], // huge length, BOM
                _ => Replace(source, random),                                                          // one character changed
            };
            string path = Path.Combine(_folder, $"case{i}.safetensors");
            File.WriteAllBytes(path, damageTensors ? damaged : tensors);
            File.WriteAllBytes(Path.Combine(_folder, $"case{i}.json"), damageTensors ? sidecar : damaged);
            string damagedName = damageTensors ? path : Path.Combine(_folder, $"case{i}.json");

            // Act
            string outcome;
            try
            {
                using var imported = MultiHeadModel.ImportSafetensors(path);
                imported.Predict(x)["plot"].Cast<float>().Should().Equal(expected, "a pair that imports must be the exported model");
                outcome = "imported";
            }
            catch (InvalidDataException e)
            {
                e.Message.Should().Contain(damagedName, "the message names the damaged file");
                outcome = "InvalidDataException";
            }

            // Assert (any other exception type fails the test)
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        outcomes.GetValueOrDefault("InvalidDataException").Should().BeGreaterThan(350);
    }

    private static byte[] Flip(byte[] source, Random random, int from, int to, int count)
    {
        byte[] copy = (byte[])source.Clone();
        for (int i = 0; i < count && to > from; i++)
        {
            copy[random.Next(from, Math.Min(to, copy.Length))] ^= (byte)(1 << random.Next(8));
        }

        return copy;
    }

    private static byte[] Replace(byte[] source, Random random)
    {
        byte[] copy = (byte[])source.Clone();
        copy[random.Next(copy.Length)] = (byte)"0123456789{}[]\",: aez-."[random.Next(23)];
        return copy;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
