namespace MultiHeadClassifier.Cli.Input;

/// <summary>What a feature cell holds.</summary>
internal enum CellKind
{
    /// <summary>A finite 32-bit float.</summary>
    Number,

    /// <summary>A missing value: one of the <see cref="MissingValues"/> in CSV, a null in Parquet.</summary>
    Missing,

    /// <summary>Text that is neither a number nor a missing value: always an error.</summary>
    NotANumber,

    /// <summary>A number outside the 32-bit float range (or an infinity): always an error.</summary>
    OutOfRange,
}
