using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MultiHeadClassifier.Data;

/// <summary>
/// Identifies a data set by content: its row count and the SHA-256 of its features and labels. A model records
/// the fingerprint of the data its class weights and standardisation were computed from, and temperatures record
/// the data they were fitted on, so that "which data did this come from?" has an answer.
/// </summary>
/// <param name="Rows">The number of rows.</param>
/// <param name="Sha256">Lower-case hex SHA-256 over, for each part in order, the features (float32, row-major) and the labels (int32, row-major).</param>
public readonly record struct DataFingerprint(long Rows, string Sha256)
{
    /// <summary>The fingerprint of an in-memory data set.</summary>
    /// <param name="data">The data.</param>
    /// <returns>Its fingerprint.</returns>
    public static DataFingerprint Of(MultiHeadDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var builder = new Builder();
        builder.Add(data);
        return builder.Finish();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Rows} rows, SHA-256 {Sha256}";

    /// <summary>Builds a fingerprint over data that arrives in parts (the batches of a streaming source).</summary>
    internal sealed class Builder : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _rows;

        /// <summary>Adds the next part.</summary>
        public void Add(MultiHeadDataset part)
        {
            _hash.AppendData(MemoryMarshal.AsBytes(part.Features));
            _hash.AppendData(MemoryMarshal.AsBytes(part.Labels));
            _rows += part.RowCount;
        }

        /// <summary>The fingerprint of everything added.</summary>
        public DataFingerprint Finish() => new(_rows, Convert.ToHexStringLower(_hash.GetHashAndReset()));

        /// <inheritdoc />
        public void Dispose() => _hash.Dispose();
    }
}
