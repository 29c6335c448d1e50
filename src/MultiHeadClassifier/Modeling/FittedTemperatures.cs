using MultiHeadClassifier.Data;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// Per-head temperatures for temperature correction, together with the logits they were fitted on (raw or
/// prior-corrected) and the data they were fitted on. A value: fitting one does not change a model; attach it
/// with <see cref="MultiHeadModel.Temperatures"/> to save it with the model, or pass it where a correction is
/// applied. Immutable and thread-safe.
/// </summary>
public sealed class FittedTemperatures
{
    private readonly Dictionary<string, double> _perHead;

    /// <summary>Creates a set of temperatures.</summary>
    /// <param name="perHead">One temperature per head, keyed by head name; each positive and finite.</param>
    /// <param name="afterPriorCorrection">Whether they were fitted on prior-corrected logits (true) or on raw logits (false).</param>
    /// <param name="fittedOn">The held-out data they were fitted on, if known.</param>
    /// <exception cref="ArgumentException">No temperatures, or one that is not positive and finite; the message names the head.</exception>
    public FittedTemperatures(IReadOnlyDictionary<string, double> perHead, bool afterPriorCorrection, DataFingerprint? fittedOn = null)
    {
        ArgumentNullException.ThrowIfNull(perHead);
        if (perHead.Count == 0)
        {
            throw new ArgumentException("At least one head needs a temperature.", nameof(perHead));
        }

        foreach (var (head, temperature) in perHead)
        {
            if (!double.IsFinite(temperature) || temperature <= 0)
            {
                throw new ArgumentException($"Head '{head}': temperature {temperature} must be positive and finite.", nameof(perHead));
            }
        }

        _perHead = new Dictionary<string, double>(perHead, StringComparer.Ordinal);
        AfterPriorCorrection = afterPriorCorrection;
        FittedOn = fittedOn;
    }

    /// <summary>The temperatures, keyed by head name.</summary>
    public IReadOnlyDictionary<string, double> PerHead => _perHead;

    /// <summary>Whether they apply after prior correction (<c>LogitCorrection.PriorAndTemperature</c>) or to raw logits (<c>LogitCorrection.Temperature</c>).</summary>
    public bool AfterPriorCorrection { get; }

    /// <summary>The held-out data they were fitted on, or null when not recorded.</summary>
    public DataFingerprint? FittedOn { get; }

    /// <summary>One head's temperature.</summary>
    /// <param name="head">The head name.</param>
    /// <returns>The temperature.</returns>
    /// <exception cref="KeyNotFoundException">No temperature for that head.</exception>
    public double this[string head] => _perHead.TryGetValue(head, out double t)
        ? t
        : throw new KeyNotFoundException($"No temperature for head '{head}'; there are temperatures for {string.Join(", ", _perHead.Keys)}.");
}
