using System.Buffers.Binary;

namespace MultiHeadClassifier.Internal;

/// <summary>
/// Checks a random generator's state bytes before they reach libtorch. <c>Generator.set_state</c> ends in
/// <c>CPUGeneratorImpl::set_state</c>, which checks the length and the Mersenne Twister's position with
/// <c>TORCH_CHECK</c>; TorchSharp 0.107 calls it without catching C++ exceptions (<c>THSGenerator_set_rng_state</c>),
/// so a state that fails a check aborts the process instead of throwing. Every generator TorchSharp 0.107 creates is
/// a CPU generator (<c>THSGenerator_new</c> ignores the device), so this one layout covers the dropout generator on
/// any device too.
/// </summary>
/// <remarks>
/// The layout is libtorch's <c>CPUGeneratorImplState</c> (ATen/CPUGeneratorImpl.cpp, unchanged from 1.x to 2.10) on
/// every 64-bit platform libtorch supports: the legacy part — initial seed (uint64 at 0), <c>left</c> (int32 at 8),
/// <c>seeded</c> (int32 at 12), <c>next</c> (uint64 at 16), 624 uint64 state words (at 24), the cached normal
/// sample's <c>normal_x</c>, <c>normal_y</c>, <c>normal_rho</c> (doubles at 5016, 5024, 5032) and
/// <c>normal_is_valid</c> (int32 at 5040) — then <c>next_float_normal_sample</c> (float at 5048) and its validity
/// flag (bool at 5052), padded to <see cref="Length"/> bytes. A fresh generator has <c>left</c> 1 and <c>next</c> 0;
/// each draw lowers <c>left</c> and raises <c>next</c>, and a refill sets them to 624 and 0, so the draws before the
/// next refill read state words <c>next</c> to <c>next + left − 2</c>. libtorch only checks <c>seeded</c>,
/// 1 ≤ <c>left</c> ≤ 624 and <c>next</c> ≤ 624, which lets a state read past the 624 words; this check also requires
/// <c>left + next</c> ≤ 625, which every state libtorch produces meets.
/// </remarks>
internal static class GeneratorState
{
    /// <summary>The byte length of a CPU generator's state: <c>sizeof(CPUGeneratorImplState)</c>, what <c>get_state()</c> returns.</summary>
    public const int Length = 5056;

    private const int StateWords = 624;
    private const int LeftOffset = 8;
    private const int SeededOffset = 12;
    private const int NextOffset = 16;
    private const int NormalYOffset = 5024;
    private const int NormalIsValidOffset = 5040;
    private const int FloatNormalOffset = 5048;
    private const int FloatNormalIsValidOffset = 5052;

    /// <summary>Whether libtorch accepts <paramref name="state"/> and draws from it within bounds.</summary>
    /// <param name="state">The bytes of a generator state.</param>
    /// <param name="what">Names the state in the problem, e.g. "the shuffle generator state".</param>
    /// <returns>Null when the state is sound; otherwise what is wrong with it.</returns>
    public static string? FindProblem(ReadOnlySpan<byte> state, string what)
    {
        if (state.Length != Length)
        {
            return $"{what} is {state.Length:N0} bytes, but a generator state is {Length:N0}";
        }

        int left = BinaryPrimitives.ReadInt32LittleEndian(state[LeftOffset..]);
        int seeded = BinaryPrimitives.ReadInt32LittleEndian(state[SeededOffset..]);
        ulong next = BinaryPrimitives.ReadUInt64LittleEndian(state[NextOffset..]);
        int normalIsValid = BinaryPrimitives.ReadInt32LittleEndian(state[NormalIsValidOffset..]);
        byte floatNormalIsValid = state[FloatNormalIsValidOffset];
        return (left, seeded, next, normalIsValid, floatNormalIsValid) switch
        {
            { seeded: not 1 } => $"{what} is not seeded (its seeded flag is {seeded})",
            { left: < 1 or > StateWords } => $"{what} has {left} draws left before a refill; it must be 1 to {StateWords}",
            { next: > StateWords } => $"{what} is at position {next}; it must be 0 to {StateWords}",
            _ when (ulong)left + next > StateWords + 1 => $"{what} has {left} draws left at position {next}, which would read past its {StateWords} words",
            { normalIsValid: not (0 or 1) } or { floatNormalIsValid: not (0 or 1) } => $"{what} has a cached-sample flag that is neither 0 nor 1",
            _ when normalIsValid == 1 && !double.IsFinite(BinaryPrimitives.ReadDoubleLittleEndian(state[NormalYOffset..])) => $"{what} caches a NaN or infinite normal sample",
            _ when floatNormalIsValid == 1 && !float.IsFinite(BinaryPrimitives.ReadSingleLittleEndian(state[FloatNormalOffset..])) => $"{what} caches a NaN or infinite normal sample",
            _ => null,
        };
    }
}
