using FluentAssertions;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using Xunit;

namespace MultiHeadClassifier.Tests.Persistence;

/// <summary>
/// Seeded, bounded fuzzing of the model loader: every malformed file must give a model or a clear
/// <see cref="InvalidDataException"/>, never another exception type.
/// </summary>
public sealed class ModelLoaderFuzzTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_model_files_are_truncated_corrupted_or_random_it_should_load_or_throw_InvalidDataException()
    {
        // Arrange: one valid file, then 200 seeded mutations of it.
        using var model = MultiHeadModel.Create(4, TestData.Heads(), new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [3] } });
        using var buffer = new MemoryStream();
        ModelFile.Write(model, buffer);
        byte[] valid = buffer.ToArray();
        int jsonEnd = 16 + BitConverter.ToInt32(valid, 12);
        var random = new Random(1234);
        var outcomes = new Dictionary<string, int>();

        for (int i = 0; i < 200; i++)
        {
            byte[] bytes = (i % 5) switch
            {
                0 => valid[..random.Next(valid.Length)],                                      // truncated
                1 => Flip(valid, random, 0, jsonEnd + 8, random.Next(1, 4)),                 // header, JSON or length corrupted
                2 => RandomBytes(random, random.Next(0, 64)),                                 // not a model at all
                3 => [0xEF, 0xBB, 0xBF, .. valid],                                           // BOM in front
                _ => [.. valid[..jsonEnd], .. "\r\n"u8.ToArray(), .. valid[jsonEnd..]],       // stray CRLF after the JSON
            };
            string path = Path.Combine(_folder, $"case{i}.mhc");
            File.WriteAllBytes(path, bytes);

            // Act
            string outcome;
            try
            {
                using var loaded = MultiHeadModel.Load(path);
                outcome = "loaded";
            }
            catch (InvalidDataException e)
            {
                e.Message.Should().Contain(path, "the message names the file");
                outcome = "InvalidDataException";
            }

            // Assert (any other exception type fails the test)
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        outcomes.GetValueOrDefault("InvalidDataException").Should().BeGreaterThan(100);
    }

    private static byte[] Flip(byte[] source, Random random, int from, int to, int count)
    {
        byte[] copy = (byte[])source.Clone();
        for (int i = 0; i < count; i++)
        {
            copy[random.Next(from, Math.Min(to, copy.Length))] ^= (byte)(1 << random.Next(8));
        }

        return copy;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
