using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Tests.Cli.Reference;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// Seeded, bounded fuzzing of the <c>mhc</c> CSV reader and loader (<see cref="CsvTableReader"/>): every malformed
/// file must give a parse whose values match what was written, or a <see cref="CliException"/> whose one-line
/// message names the file (and a line that exists in it), never another exception. A failure names its seed;
/// <see cref="BuildCase"/> with that seed rebuilds the same file.
/// </summary>
public sealed partial class CsvReaderFuzzTests : IDisposable
{
    private const int FirstSeed = 7_200; // A multiple of the mutation count, so FirstSeed + kind has that kind.
    private const int SeedCount = 480;
    private const int ClassCount = 3;
    private static readonly string[] FeatureNames = ["f0", "f1", "f2", "f3"];
    private static readonly string[] HeadNames = ["h0", "h1"];
    private static readonly string[] Header = [.. FeatureNames, .. HeadNames];
    private static readonly int[] ClassCounts = [ClassCount, ClassCount];
    private static readonly Mutation[] Mutations = Enum.GetValues<Mutation>();

    // "NaN" and "NA" are missing values, not errors (MissingValues.Default.Tokens); "nan" is neither.
    private static readonly string[] NonNumeric = ["abc", "1.2.3", "--1", "0x1F", "1e", "e5", "nan", "Na", "1_000", "1 2", "+-3", "∞", "١٢"];
    private static readonly string[] OutOfRange = ["1e400", "-1e309", "Infinity", "-Infinity", "3.5e38", "1E39", "-999999999999999999999999999999999999999999"];
    private static readonly (string Text, float Value)[] LargeFinite =
    [
        ("99999999999999999999999", 1e23f), ("1e38", 1e38f), ("-3.4e38", -3.4e38f), ("1e-50", 0f), ("-0", 0f), ("3.4028235e38", float.MaxValue),
    ];

    private static readonly string[] BadLabels = ["1.5", "abc", "-1", "3", "99999999999999999999999", "1e400", "NaN", "2147483648", "1e0", "0x1"];

    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-csv-fuzz-").FullName;

    private enum Mutation
    {
        None,
        DropCells,
        ExtraCell,
        NonNumericFeature,
        OutOfRangeFeature,
        LargeFiniteFeature,
        BadLabel,
        StrayQuote,
        TruncatedFile,
        Junk,
        Empty,
        HeaderOnly,
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_files_are_randomly_malformed_it_should_parse_the_written_values_or_throw_a_clear_CliException()
    {
        var outcomes = new Dictionary<string, int>();
        for (int seed = FirstSeed; seed < FirstSeed + SeedCount; seed++)
        {
            // Arrange
            var fuzz = BuildCase(seed);
            string name = $"seed{seed}.csv";
            string path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, fuzz.Bytes);
            string because = $"seed {seed} ({fuzz.Kind}{fuzz.Detail}) should parse or fail clearly; file: {Escape(Decode(fuzz.Bytes), 300)}";
            int lineCount = PhysicalLineCount(Decode(fuzz.Bytes));

            // Act: every step of the loader, each one on its own.
            CsvTable? table = null;
            float[,]? features = null;
            float[,]? imputed = null;
            int[,]? labels = null;
            Dictionary<string, double>? means = null;
            var read = Capture(() => table = CsvTableReader.Read(path));
            Exception? featureError = null, meanError = null, imputedError = null, labelError = null, inferredLabelError = null;
            if (table is not null)
            {
                featureError = Capture(() => features = CsvTableReader.Features(table, FeatureNames, null));
                meanError = Capture(() => means = CsvTableReader.Means(table, FeatureNames));
                imputedError = means is null ? null : Capture(() => imputed = CsvTableReader.Features(table, FeatureNames, means));
                labelError = Capture(() => labels = CsvTableReader.Labels(table, HeadNames, ClassCounts));
                inferredLabelError = Capture(() => CsvTableReader.Labels(table, HeadNames, null));
            }

            // Assert: generic invariants of every outcome.
            foreach (var error in new[] { read, featureError, meanError, imputedError, labelError, inferredLabelError })
            {
                ShouldBeClear(error, name, lineCount, because);
            }

            if (table is not null)
            {
                table.Rows.Should().NotBeEmpty(because);
                table.Rows.Should().OnlyContain(row => row.Length == table.Header.Count, because);
                table.LineNumbers.Should().HaveCount(table.Rows.Count, because).And.OnlyContain(l => l >= 2 && l <= lineCount, because).And.BeInAscendingOrder(because);
            }

            if (features is not null)
            {
                features.Cast<float>().Should().OnlyContain(v => float.IsFinite(v), because);
            }

            if (imputed is not null)
            {
                imputed.Cast<float>().Should().OnlyContain(v => float.IsFinite(v), because);
            }

            if (labels is not null)
            {
                labels.Cast<int>().Should().OnlyContain(y => y >= -1 && y < ClassCount, because);
            }

            // Assert: what this mutation must give.
            var expect = new Expectation(fuzz, name, because, table, read, features, featureError, imputed, imputedError, labels, labelError);
            string outcome = expect.Check();
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        outcomes.GetValueOrDefault("parsed").Should().BeGreaterThan(SeedCount / 10, "benign cases parse");
        outcomes.GetValueOrDefault("error").Should().BeGreaterThan(SeedCount / 2, "most mutations are errors");
    }

    [Fact]
    public void When_files_are_randomly_malformed_it_should_stream_the_table_readers_values_or_its_error_through_the_block_reader()
    {
        for (int seed = FirstSeed; seed < FirstSeed + SeedCount; seed++)
        {
            // Arrange
            var fuzz = BuildCase(seed);
            string path = Path.Combine(_folder, $"blocks{seed}.csv");
            File.WriteAllBytes(path, fuzz.Bytes);
            string because = $"seed {seed} ({fuzz.Kind}{fuzz.Detail})";

            // Act: the whole-table loader (checked against the written values above) and the block reader every
            // command streams through (ModelInputs.ReadDataset, with its precedence of errors).
            float[,]? features = null;
            int[,]? labels = null;
            var tableError = Capture(() =>
            {
                var table = CsvTableReader.Read(path);
                features = CsvTableReader.Features(table, FeatureNames, null);
                labels = CsvTableReader.Labels(table, HeadNames, ClassCounts);
            });
            MultiHeadClassifier.Data.MultiHeadDataset? data = null;
            var blockError = Capture(() => data = MultiHeadClassifier.Cli.Commands.ModelInputs.ReadDataset(path, FeatureNames, null, HeadNames, ClassCounts, MultiHeadClassifier.Cli.Input.MissingValues.Default).Data);

            // Assert
            blockError?.Message.Should().Be(tableError?.Message, because);
            (blockError is null).Should().Be(tableError is null, $"{because}: table error {tableError?.Message}");
            if (data is not null)
            {
                data.Features.ToArray().Should().Equal(features!.Cast<float>(), because);
                data.Labels.ToArray().Should().Equal(labels!.Cast<int>(), because);
            }
        }
    }

    [Fact]
    public void When_a_file_has_a_UTF8_BOM_and_CRLF_line_ends_it_should_read_the_same_values_as_the_plain_LF_file()
    {
        // Arrange
        var sample = Generate(new Random(11), 9);
        string lines = string.Join("\n", new[] { string.Join(",", Header) }.Concat(sample.Cells.Select(c => string.Join(",", c)))) + "\n";
        string plain = Path.Combine(_folder, "plain.csv");
        string bomCrlf = Path.Combine(_folder, "bom-crlf.csv");
        File.WriteAllBytes(plain, Encoding.UTF8.GetBytes(lines));
        File.WriteAllBytes(bomCrlf, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(lines.Replace("\n", "\r\n", StringComparison.Ordinal))]);

        foreach (string path in new[] { plain, bomCrlf })
        {
            // Act
            var table = CsvTableReader.Read(path);
            var features = CsvTableReader.Features(table, FeatureNames, null);
            var labels = CsvTableReader.Labels(table, HeadNames, ClassCounts);

            // Assert: the values written, not just the same as each other.
            table.Header.Should().Equal(Header, path);
            table.LineNumbers.Should().Equal(Enumerable.Range(2, 9), path);
            features.Should().BeEquivalentTo(sample.Features, o => o.WithStrictOrdering(), path);
            labels.Should().BeEquivalentTo(sample.Labels, o => o.WithStrictOrdering(), path);
            table.Rows.Select(r => string.Join(",", r)).Should().Equal(sample.Cells.Select(r => string.Join(",", r)), path);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("\uFEFF")]
    [InlineData("\n\n")]
    [InlineData("\uFEFF\r\n\r\n")]
    public void When_the_file_is_empty_it_should_fail_naming_the_file(string text)
    {
        // Arrange
        string path = Write("empty.csv", text);

        // Act
        var act = () => CsvTableReader.Read(path);

        // Assert
        act.Should().Throw<CliException>().WithMessage("empty.csv: the file is empty; the first line must be a header.");
    }

    [Theory]
    [InlineData("f0,f1,h0\n")]
    [InlineData("f0,f1,h0")]
    [InlineData("\uFEFFf0,f1,h0\r\n\r\n")]
    public void When_the_file_has_only_a_header_it_should_fail_naming_the_file(string text)
    {
        // Arrange
        string path = Write("header.csv", text);

        // Act
        var act = () => CsvTableReader.Read(path);

        // Assert
        act.Should().Throw<CliException>().WithMessage("header.csv: the file has a header but no data rows.");
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e309")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("3.5e38")]
    public void When_a_feature_is_outside_the_float_range_it_should_fail_naming_line_and_column_even_with_imputation(string cell)
    {
        // Arrange
        string path = Write("huge.csv", $"f0,f1,h0\n1,2,0\n3,{cell},1\n5,6,0\n");
        var table = CsvTableReader.Read(path);
        var means = CsvTableReader.Means(table, ["f0", "f1"]);

        // Act
        var strict = () => CsvTableReader.Features(table, ["f0", "f1"], null);
        var imputing = () => CsvTableReader.Features(table, ["f0", "f1"], means);

        // Assert
        string expected = $"huge.csv line 3, column 'f1': '{cell}' is outside the range of a 32-bit float (about ±3.4E+38).";
        strict.Should().Throw<CliException>().WithMessage(expected);
        imputing.Should().Throw<CliException>().WithMessage(expected);
        means["f1"].Should().Be(4, "the mean is over the finite cells only");
    }

    [Fact]
    public void When_a_feature_is_NaN_text_it_should_be_missing_an_error_or_imputed()
    {
        // Arrange
        string path = Write("nan.csv", "f0,f1,h0\n1,2,0\n3,NaN,1\n5,7,0\n");
        var table = CsvTableReader.Read(path);

        // Act
        var strict = () => CsvTableReader.Features(table, ["f0", "f1"], null);
        var imputed = CsvTableReader.Features(table, ["f0", "f1"], CsvTableReader.Means(table, ["f0", "f1"]));

        // Assert: the mean of f1's numbers, (2 + 7) / 2.
        strict.Should().Throw<CliException>().WithMessage("nan.csv line 3, column 'f1': the value is missing (to impute missing values, train with --missing-features mean).");
        imputed[1, 1].Should().Be(4.5f);
    }

    [Theory]
    [InlineData("")]
    [InlineData("NA")]
    [InlineData("NaN")]
    public void When_a_feature_is_a_missing_token_it_should_be_imputed_with_the_mean_of_the_numbers(string token)
    {
        // Arrange: f0's numbers are 1, 4 and 10, so the mean is 5.
        var table = CsvTableReader.Read(Write("na.csv", $"f0,h0\n1,0\n{token},1\n4,0\n10,1\n"));

        // Act
        var imputed = CsvTableReader.Features(table, ["f0"], CsvTableReader.Means(table, ["f0"]));

        // Assert
        imputed[1, 0].Should().Be(5f);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("na")]
    [InlineData("nan")]
    [InlineData("N/A")]
    public void When_a_feature_is_neither_a_number_nor_a_missing_token_it_should_be_an_error_even_with_imputation(string cell)
    {
        // Arrange
        var table = CsvTableReader.Read(Write("typo.csv", $"f0,h0\n1,0\n{cell},1\n4,0\n"));
        var means = CsvTableReader.Means(table, ["f0"]);

        // Act
        var act = () => CsvTableReader.Features(table, ["f0"], means);

        // Assert
        act.Should().Throw<CliException>().WithMessage($"typo.csv line 3, column 'f0': '{cell}' is not a number (a missing value is an empty cell, NA or NaN).");
    }

    [Fact]
    public void When_a_feature_column_is_missing_it_should_fail_to_compute_means_naming_the_column()
    {
        // Arrange
        var table = CsvTableReader.Read(Write("narrow.csv", "f0,h0\n1,0\n"));

        // Act
        var act = () => CsvTableReader.Means(table, ["f0", "f1"]);

        // Assert
        act.Should().Throw<CliException>().WithMessage("narrow.csv: feature column 'f1' is missing from the header.");
    }

    [Fact]
    public void When_a_feature_is_huge_but_within_the_float_range_it_should_be_read_as_that_float()
    {
        // Arrange
        string path = Write("big.csv", "f0,f1,h0\n99999999999999999999999,-3.4e38,0\n1e-50,3.4028235e38,1\n");

        // Act
        var features = CsvTableReader.Features(CsvTableReader.Read(path), ["f0", "f1"], null);

        // Assert
        features.Should().BeEquivalentTo(new float[,] { { 1e23f, -3.4e38f }, { 0f, float.MaxValue } }, o => o.WithStrictOrdering());
    }

    [Fact]
    public void When_a_quote_is_never_closed_it_should_fail_at_the_line_and_column_where_it_opens()
    {
        // Arrange: without the check, the quote swallows the rest of the file and the error names line 6 of a 5-line file.
        string path = Write("open.csv", "f0,f1,h0\n1,2,0\n3,\"4,1\n5,6,0\n7,8,1\n");

        // Act
        var act = () => CsvTableReader.Read(path);

        // Assert
        act.Should().Throw<CliException>().WithMessage("open.csv line 3, column 'f1': a quoted cell is not closed (its opening quote runs to the end of the file).");
    }

    [Fact]
    public void When_a_quote_opened_early_in_a_large_file_is_never_closed_it_should_stop_at_the_record_size_limit_naming_the_line()
    {
        // Arrange: line 3 opens a quote, followed by more than CsvRecordSource.MaxRecordBytes of rows.
        var text = new StringBuilder("f0,h0\n1,0\n\"2,1\n");
        string row = string.Concat(Enumerable.Repeat("3,0\n", 1000));
        while (text.Length <= CsvRecordSource.MaxRecordBytes + row.Length)
        {
            text.Append(row);
        }

        string path = Write("runaway.csv", text.ToString());

        // Act
        var act = () => CsvTableReader.Read(path);

        // Assert
        act.Should().Throw<CliException>().WithMessage("runaway.csv line 3: the record is longer than 16 MiB, so a quoted cell is probably never closed.");
    }

    [Fact]
    public void When_the_last_cell_of_the_file_opens_a_quote_it_should_fail_rather_than_read_the_cell()
    {
        // Arrange
        string path = Write("openlast.csv", "f0,f1,h0\n1,2,0\n3,4,\"1\n");

        // Act
        var act = () => CsvTableReader.Read(path);

        // Assert
        act.Should().Throw<CliException>().WithMessage("openlast.csv line 3, column 'h0': a quoted cell is not closed*");
    }

    [Fact]
    public void When_text_follows_a_closing_quote_it_should_fail_rather_than_join_the_pieces()
    {
        // Arrange: "1"2 would otherwise be read as 12.
        string path = Write("joined.csv", "f0,f1,h0\n1,2,0\n3,\"1\"2,1\n");

        // Act
        var act = () => CsvTableReader.Read(path);

        // Assert
        act.Should().Throw<CliException>().WithMessage("joined.csv line 3, column 'f1': text follows the closing quote in '\"1\"2'*");
    }

    [Fact]
    public void When_a_record_spans_lines_it_should_name_the_line_it_starts_on_and_keep_later_lines_exact()
    {
        // Arrange: line 3 opens a quoted cell that ends on line 4; line 5 is short.
        string path = Write("multi.csv", "f0,f1,h0\n1,2,0\n3,\"4\n4\",1\n5,6\n");
        string good = Write("multi-ok.csv", "f0,f1,h0\n1,2,0\n3,\"4\n4\",1\n5,6,0\n");

        // Act
        var shortRow = () => CsvTableReader.Read(path);
        var table = CsvTableReader.Read(good);
        var badCell = () => CsvTableReader.Features(table, ["f0", "f1"], null);

        // Assert
        shortRow.Should().Throw<CliException>().WithMessage("multi.csv line 5: has 2 cells, but the header has 3 columns.");
        table.LineNumbers.Should().Equal(2, 3, 5);
        badCell.Should().Throw<CliException>().WithMessage("multi-ok.csv line 3, column 'f1': '4\\n4' is not a number (a missing value is an empty cell, NA or NaN).");
    }

    [Fact]
    public void When_blank_lines_come_before_the_header_it_should_name_the_header_line_in_header_errors()
    {
        // Arrange
        string path = Write("blank.csv", "\n\nf0,f0,h0\n1,2,0\n");

        // Act
        var act = () => CsvTableReader.Read(path);

        // Assert
        act.Should().Throw<CliException>().WithMessage("blank.csv line 3: column 'f0' appears more than once.");
    }

    [Fact]
    public void When_a_cell_is_long_or_has_control_characters_it_should_keep_the_message_to_one_short_line()
    {
        // Arrange
        string path = Write("long.csv", $"f0,f1,h0\n1,\"{new string('x', 5000)}\r\n\ty\",0\n");
        var table = CsvTableReader.Read(path);

        // Act
        var act = () => CsvTableReader.Features(table, ["f0", "f1"], null);

        // Assert
        string message = act.Should().Throw<CliException>().Which.Message;
        message.Should().StartWith("long.csv line 2, column 'f1': 'xxxx");
        message.Length.Should().BeLessThan(200);
        message.Should().NotContain("\r").And.NotContain("\n").And.NotContain("\t");
    }

    [Fact]
    public void When_malformed_files_go_through_mhc_train_it_should_exit_nonzero_with_one_stderr_line_and_never_throw()
    {
        // Arrange: a few tiny cases only, since a valid one trains a model; one seed per mutation kind.
        using var workspace = new CliWorkspace();
        var results = new List<(string Name, Mutation Kind, int Line, CliResult Result, bool Imputing)>();
        foreach (Mutation kind in Mutations)
        {
            int seed = FirstSeed + (int)kind;
            var fuzz = BuildCase(seed);
            string name = $"train-seed{seed}.csv";
            File.WriteAllBytes(workspace.PathOf(name), fuzz.Bytes);
            bool imputing = kind == Mutation.OutOfRangeFeature;
            string[] args = ["train", "--train", workspace.PathOf(name), "--heads", "h0,h1", "--classes", "3", "--class-weights", "none", "--out", workspace.PathOf($"model{seed}"), "--epochs", "1", "--hidden", "4", "--batch-size", "8", "--seed", "1"];

            // Act
            string[] full = imputing ? [.. args, "--missing-features", "mean"] : args;
            CliResult? result = null;
            var thrown = Capture(() => result = workspace.Run(full));
            thrown.Should().BeNull($"Cli.Run must not throw for seed {seed} ({kind})");
            results.Add((name, kind, fuzz.TargetLine, result!, imputing));
        }

        string inferred = workspace.PathOf("maxlabel.csv");
        File.WriteAllText(inferred, "f0,h0\n1,0\n2,1\n3,2147483647\n");
        var overflow = workspace.Run("train", "--train", inferred, "--heads", "h0", "--class-weights", "none", "--out", workspace.PathOf("m-overflow"), "--epochs", "1", "--hidden", "4");

        // Assert
        foreach (var (name, kind, line, result, imputing) in results)
        {
            string because = $"{name} ({kind}{(imputing ? ", --missing-features mean" : string.Empty)}): {result.Stderr}";
            if (kind is Mutation.None or Mutation.LargeFiniteFeature)
            {
                result.ExitCode.Should().Be(0, because);
                result.Stderr.Should().BeEmpty(because);
                continue;
            }

            if (kind is Mutation.TruncatedFile or Mutation.Junk && result.ExitCode == 0)
            {
                continue;
            }

            result.ExitCode.Should().Be(CliException.UsageExitCode, because);
            string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Should().ContainSingle(because);
            lines[0].Should().StartWith("error: " + name, because).And.NotContain("   at ", because);
            if (kind is Mutation.DropCells or Mutation.ExtraCell or Mutation.NonNumericFeature or Mutation.OutOfRangeFeature or Mutation.BadLabel)
            {
                lines[0].Should().Contain($"{name} line {line}", because);
            }
        }

        overflow.ExitCode.Should().Be(CliException.UsageExitCode, overflow.Stderr);
        overflow.Stderr.Trim().Should().StartWith("error: maxlabel.csv line 4, column 'h0', head 'h0': label 2147483647 would mean 2147483648 classes, more than the 1000 inferred without --classes");
    }

    /// <summary>Builds the file of one fuzz case from its seed alone.</summary>
    private static FuzzCase BuildCase(int seed)
    {
        var random = new Random(seed);
        var kind = Mutations[seed % Mutations.Length];
        var sample = Generate(random, random.Next(1, 25));
        int rows = sample.Cells.Length;
        int target = random.Next(rows);
        int column = random.Next(Header.Length);
        int targetRow = target;
        string? injected = null;
        string detail = string.Empty;
        var cells = sample.Cells.Select(r => (string[])r.Clone()).ToArray();

        // Benign decoration that must not change the values: spaces around cells, whole cells in quotes.
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < Header.Length; c++)
            {
                if (kind == Mutation.StrayQuote && r == target)
                {
                    continue;
                }

                int roll = random.Next(20);
                cells[r][c] = roll switch
                {
                    0 => "  " + cells[r][c] + " ",
                    1 => "\"" + cells[r][c] + "\"",
                    2 => " \"" + cells[r][c] + "\"  ",
                    _ => cells[r][c],
                };
            }
        }

        var lines = new List<string> { string.Join(",", Header) };
        lines.AddRange(cells.Select(r => string.Join(",", r)));
        int targetIndex = target + 1;
        switch (kind)
        {
            case Mutation.DropCells:
                int keep = random.Next(1, Header.Length);
                lines[targetIndex] = string.Join(",", cells[target].Take(keep));
                detail = $", row {target} keeps {keep} cells";
                break;
            case Mutation.ExtraCell:
                lines[targetIndex] += random.Next(2) == 0 ? "," : ",1.5";
                break;
            case Mutation.NonNumericFeature:
            case Mutation.OutOfRangeFeature:
            case Mutation.LargeFiniteFeature:
                column = random.Next(FeatureNames.Length);
                string value = kind switch
                {
                    Mutation.NonNumericFeature => NonNumeric[random.Next(NonNumeric.Length)],
                    Mutation.OutOfRangeFeature => OutOfRange[random.Next(OutOfRange.Length)],
                    _ => LargeFinite[random.Next(LargeFinite.Length)].Text,
                };
                cells[target][column] = value;
                injected = value;
                lines[targetIndex] = string.Join(",", cells[target]);
                detail = $", row {target} column {Header[column]} = '{value}'";
                break;
            case Mutation.BadLabel:
                column = FeatureNames.Length + random.Next(HeadNames.Length);
                cells[target][column] = BadLabels[random.Next(BadLabels.Length)];
                lines[targetIndex] = string.Join(",", cells[target]);
                detail = $", row {target} column {Header[column]} = '{cells[target][column]}'";
                break;
            case Mutation.StrayQuote:
                if (random.Next(4) == 0)
                {
                    targetIndex = 0;
                    targetRow = -1;
                }

                // Anywhere in the line (mostly inside a cell), or, in a data row, where a cell starts (opening a quote never closed).
                int[] cellStarts = [0, .. lines[targetIndex].Select((ch, i) => (ch, i)).Where(p => p.ch == ',').Select(p => p.i + 1)];
                int at = targetRow < 0 || random.Next(2) == 0 ? random.Next(lines[targetIndex].Length + 1) : cellStarts[random.Next(cellStarts.Length)];
                lines[targetIndex] = lines[targetIndex].Insert(at, "\"");
                detail = $", quote at line index {targetIndex} char {at}";
                break;
            case Mutation.Empty:
                lines.Clear();
                break;
            case Mutation.HeaderOnly:
                lines.RemoveRange(1, lines.Count - 1);
                break;
        }

        // Benign layout: blank lines (also before the header), line ends, a final line end, a BOM.
        int blanks = random.Next(4) == 0 ? random.Next(1, 3) : 0;
        for (int b = 0; b < blanks; b++)
        {
            int at = random.Next(lines.Count + 1);
            lines.Insert(at, string.Empty);
            if (at <= targetIndex)
            {
                targetIndex++;
            }
        }

        int ends = random.Next(3);
        var text = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            text.Append(lines[i]);
            if (i < lines.Count - 1 || random.Next(4) != 0)
            {
                text.Append(ends switch { 0 => "\n", 1 => "\r\n", _ => random.Next(2) == 0 ? "\n" : "\r\n" });
            }
        }

        byte[] body = Encoding.UTF8.GetBytes(text.ToString());
        byte[] bytes = random.Next(3) == 0 ? [0xEF, 0xBB, 0xBF, .. body] : body;
        switch (kind)
        {
            case Mutation.TruncatedFile:
                int cut = random.Next(bytes.Length + 1);
                bytes = bytes[..cut];
                detail = $", cut at byte {cut}";
                break;
            case Mutation.Junk:
                const string alphabet = ",\"\r\n a1.e-\uFEFF\0;\t";
                string junk = new(Enumerable.Range(0, random.Next(1, 20)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
                byte[] junkBytes = Encoding.UTF8.GetBytes(junk);
                int where = random.Next(bytes.Length + 1);
                bytes = [.. bytes[..where], .. junkBytes, .. bytes[where..]];
                detail = $", junk '{Escape(junk, 40)}' at byte {where}";
                break;
        }

        var rowLines = new int[rows];
        for (int r = 0, seen = -1, i = 0; i < lines.Count && r < rows; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            seen++;
            if (seen > 0)
            {
                rowLines[r++] = i + 1;
            }
        }

        return new FuzzCase(kind, sample, bytes, targetRow, column, targetIndex + 1, rowLines, injected, detail);
    }

    private static Sample Generate(Random random, int rows)
    {
        var cells = new string[rows][];
        var features = new float[rows, FeatureNames.Length];
        var labels = new int[rows, HeadNames.Length];
        for (int r = 0; r < rows; r++)
        {
            cells[r] = new string[Header.Length];
            for (int j = 0; j < FeatureNames.Length; j++)
            {
                float v = random.Next(4) switch
                {
                    0 => random.Next(-100, 101),
                    1 => (float)((random.NextDouble() * 200) - 100),
                    2 => (float)(random.NextDouble() * 1e-6),
                    _ => (float)((random.NextDouble() - 0.5) * 1e20),
                };
                features[r, j] = v;
                cells[r][j] = v.ToString("R", CultureInfo.InvariantCulture);
            }

            for (int h = 0; h < HeadNames.Length; h++)
            {
                int y = random.Next(8) == 0 ? -1 : random.Next(ClassCount);
                labels[r, h] = y;
                cells[r][FeatureNames.Length + h] = y < 0 ? string.Empty : y.ToString(CultureInfo.InvariantCulture);
            }
        }

        return new Sample(cells, features, labels);
    }

    private static void ShouldBeClear(Exception? error, string name, int lineCount, string because)
    {
        if (error is null)
        {
            return;
        }

        error.Should().BeOfType<CliException>($"{because}; got {error}");
        error.Message.Should().Contain(name, because);
        error.Message.Length.Should().BeLessThan(300, because);
        error.Message.Should().NotContain("\n", because).And.NotContain("\r", because);
        foreach (Match match in LinePattern().Matches(error.Message))
        {
            int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture).Should().BeInRange(1, Math.Max(1, lineCount), $"the line named must exist; {because}; message: {error.Message}");
        }
    }

    private static Exception? Capture(Action action)
    {
        try
        {
            action();
            return null;
        }
#pragma warning disable CA1031 // The fuzz test records every exception type to check it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }

    private static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>Lines as an editor counts them: \n, \r\n and \r end a line; a final line end opens no new line.</summary>
    private static int PhysicalLineCount(string text)
    {
        int count = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                count++;
            }
        }

        return text.Length > 0 && text[^1] is not ('\n' or '\r') ? count + 1 : count;
    }

    private static string Escape(string text, int max)
    {
        string escaped = text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
        return escaped.Length <= max ? escaped : escaped[..max] + "…";
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, text.StartsWith('\uFEFF') ? [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text[1..])] : Encoding.UTF8.GetBytes(text));
        return path;
    }

    [GeneratedRegex(@"\bline (\d+)")]
    private static partial Regex LinePattern();

    private sealed record Sample(string[][] Cells, float[,] Features, int[,] Labels);

    /// <summary>One generated file and what was done to it: the target data row and column, and its line (1-based).</summary>
    private sealed record FuzzCase(Mutation Kind, Sample Sample, byte[] Bytes, int TargetRow, int TargetColumn, int TargetLine, int[] RowLines, string? Injected, string Detail);

    /// <summary>The outcome each mutation must have, beyond the generic invariants.</summary>
    private sealed record Expectation(
        FuzzCase Case,
        string Name,
        string Because,
        CsvTable? Table,
        Exception? Read,
        float[,]? Features,
        Exception? FeatureError,
        float[,]? Imputed,
        Exception? ImputedError,
        int[,]? Labels,
        Exception? LabelError)
    {
        private string At => $"{Name} line {Case.TargetLine}";

        private string Cell => $"{At}, column '{Header[Case.TargetColumn]}'";

        public string Check()
        {
            switch (Case.Kind)
            {
                case Mutation.None:
                    ShouldMatchWritten(-1, float.NaN);
                    return "parsed";
                case Mutation.LargeFiniteFeature:
                    ShouldMatchWritten(Case.TargetColumn, LargeFinite.First(v => v.Text == Case.Injected).Value);
                    return "parsed";
                case Mutation.DropCells:
                case Mutation.ExtraCell:
                    Read.Should().NotBeNull(Because);
                    Read!.Message.Should().StartWith($"{At}: has ", Because).And.EndWith($" cells, but the header has {Header.Length} columns.", Because);
                    return "error";
                case Mutation.NonNumericFeature:
                    Read.Should().BeNull(Because);
                    FeatureError.Should().NotBeNull(Because);
                    FeatureError!.Message.Should().StartWith($"{Cell}: '", Because).And.EndWith("' is not a number (a missing value is an empty cell, NA or NaN).", Because);
                    double mean = Enumerable.Range(0, Case.Sample.Cells.Length).Where(r => r != Case.TargetRow).Select(r => (double)Case.Sample.Features[r, Case.TargetColumn]).DefaultIfEmpty(double.NaN).Average();
                    if (double.IsFinite(mean))
                    {
                        // A typo is never imputed: the same error with --missing-features mean.
                        Imputed.Should().BeNull(Because);
                        ImputedError.Should().NotBeNull(Because);
                        ImputedError!.Message.Should().Be(FeatureError.Message, Because);
                    }

                    return "error";
                case Mutation.OutOfRangeFeature:
                    Read.Should().BeNull(Because);
                    FeatureError.Should().NotBeNull(Because);
                    FeatureError!.Message.Should().StartWith($"{Cell}: '", Because);
                    Imputed.Should().BeNull($"an out-of-range number is not imputed as missing; {Because}");
                    ImputedError?.Message.Should().Be(FeatureError.Message, Because);
                    return "error";
                case Mutation.BadLabel:
                    Read.Should().BeNull(Because);
                    LabelError.Should().NotBeNull(Because);
                    LabelError!.Message.Should().StartWith($"{Cell}, head '{Header[Case.TargetColumn]}': ", Because);
                    return "error";
                case Mutation.StrayQuote:
                    var first = Read ?? FeatureError ?? LabelError;
                    first.Should().NotBeNull($"a stray quote makes the file unreadable or a cell invalid; {Because}");
                    if (Case.TargetRow >= 0)
                    {
                        first!.Message.Should().Contain(At + ",", $"the first error is at the quote's row; {Because}");
                    }

                    return "error";
                case Mutation.Empty:
                    Read.Should().NotBeNull(Because);
                    Read!.Message.Should().Be($"{Name}: the file is empty; the first line must be a header.", Because);
                    return "error";
                case Mutation.HeaderOnly:
                    Read.Should().NotBeNull(Because);
                    Read!.Message.Should().Be($"{Name}: the file has a header but no data rows.", Because);
                    return "error";
                case Mutation.TruncatedFile:
                    if (Table is null)
                    {
                        return "error";
                    }

                    Table.Header.Should().Equal(Header, Because);
                    Table.Rows.Count.Should().BeLessThanOrEqualTo(Case.Sample.Cells.Length, Because);
                    for (int r = 0; r < Table.Rows.Count - 1; r++)
                    {
                        Table.Rows[r].Should().Equal(Case.Sample.Cells[r], Because);
                        Table.LineNumbers[r].Should().Be(Case.RowLines[r], Because);
                    }

                    return "parsed";
                default:
                    return Read is null ? "parsed" : "error";
            }
        }

        private void ShouldMatchWritten(int changedColumn, float changedValue)
        {
            Read.Should().BeNull(Because);
            Table!.Header.Should().Equal(Header, Because);
            Table.LineNumbers.Should().Equal(Case.RowLines, Because);
            var cells = Case.Sample.Cells.Select(r => (string[])r.Clone()).ToArray();
            if (changedColumn >= 0)
            {
                cells[Case.TargetRow][changedColumn] = Case.Injected!;
            }

            Table.Rows.Should().BeEquivalentTo(cells, o => o.WithStrictOrdering(), Because);
            FeatureError.Should().BeNull(Because);
            LabelError.Should().BeNull(Because);
            Labels.Should().BeEquivalentTo(Case.Sample.Labels, o => o.WithStrictOrdering(), Because);
            for (int r = 0; r < Case.Sample.Cells.Length; r++)
            {
                for (int j = 0; j < FeatureNames.Length; j++)
                {
                    float expected = r == Case.TargetRow && j == changedColumn ? changedValue : Case.Sample.Features[r, j];
                    Features![r, j].Should().Be(expected, $"row {r} column {j}; {Because}");
                }
            }
        }
    }
}
