using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Training;

/// <summary>Where each kind of head sits in the [batch, ΣO] outputs, for the fused loss.</summary>
/// <param name="CrossEntropyHeads">Indices of the cross-entropy heads, in order.</param>
/// <param name="CrossEntropyColumns">Their output columns, in order.</param>
/// <param name="CrossEntropyToAll">[CE heads, heads] 0/1 matrix (row-major) placing their sums among all heads.</param>
/// <param name="OrdinalHeads">Indices of the CORN and CORAL heads, in order.</param>
/// <param name="OrdinalColumns">Their output columns, in order.</param>
internal sealed record OutputLayout(int[] CrossEntropyHeads, long[] CrossEntropyColumns, float[] CrossEntropyToAll, int[] OrdinalHeads, long[] OrdinalColumns)
{
    public static OutputLayout Of(IReadOnlyList<HeadDefinition> heads)
    {
        var ceHeads = new List<int>();
        var ceColumns = new List<long>();
        var ordinalHeads = new List<int>();
        var ordinalColumns = new List<long>();
        long offset = 0;
        for (int h = 0; h < heads.Count; h++)
        {
            bool crossEntropy = heads[h].Loss == HeadLoss.CrossEntropy;
            (crossEntropy ? ceHeads : ordinalHeads).Add(h);
            for (int j = 0; j < heads[h].OutputCount; j++)
            {
                (crossEntropy ? ceColumns : ordinalColumns).Add(offset + j);
            }

            offset += heads[h].OutputCount;
        }

        var toAll = new float[ceHeads.Count * heads.Count];
        for (int i = 0; i < ceHeads.Count; i++)
        {
            toAll[i * heads.Count + ceHeads[i]] = 1;
        }

        return new OutputLayout([.. ceHeads], [.. ceColumns], toAll, [.. ordinalHeads], [.. ordinalColumns]);
    }
}
