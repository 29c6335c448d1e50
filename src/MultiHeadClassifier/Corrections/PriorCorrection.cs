using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Corrections;

/// <summary>
/// Removes the effect of class weights from a head's logits and, optionally, moves them to another class prior.
/// </summary>
/// <remarks>
/// <para>
/// A head trained with class-weighted cross-entropy (weight w_c on class c) reaches its optimum at
/// softmax(z)_c ∝ w_c · p(c | x): the weights tilt the learned distribution. Subtracting ln w_c from each logit
/// undoes the tilt and recovers p(c | x) (logit adjustment; Menon et al., "Long-tail learning via logit
/// adjustment", ICLR 2021). Dividing logits by the weights, or multiplying probabilities by 1/w and not
/// renormalising, is not equivalent and gives wrong probabilities.
/// </para>
/// <para>
/// To deploy where classes occur with prior π_new instead of the training prior π_train, add
/// ln(π_new_c / π_train_c) to each logit (Bayes' rule with a changed prior). Both priors are normalised to sum
/// to 1 first, so counts can be passed directly.
/// </para>
/// <para>Stateless and thread-safe. Inputs are not modified.</para>
/// </remarks>
public static class PriorCorrection
{
    /// <summary>
    /// Returns z_c − ln w_c for every row, and, when both priors are given, also adds
    /// ln(π_new_c / π_train_c).
    /// </summary>
    /// <param name="logits">Raw logits of one head, rows × K; every entry finite.</param>
    /// <param name="classWeights">The K class weights the head was trained with; each positive and finite.</param>
    /// <param name="trainingPrior">
    /// Optional class frequencies of the training data (length K, positive, finite; normalised here). Default
    /// null: no prior shift. Must be given together with <paramref name="deploymentPrior"/>.
    /// </param>
    /// <param name="deploymentPrior">
    /// Optional class frequencies expected where the model is used (length K, positive, finite; normalised
    /// here). Default null: no prior shift.
    /// </param>
    /// <returns>A new matrix of corrected logits, same shape as <paramref name="logits"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="classWeights"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// A logit is not finite; the weights or a prior do not have K entries or have a non-positive or non-finite
    /// entry; or only one of the two priors is given.
    /// </exception>
    public static float[,] Apply(
        float[,] logits,
        IReadOnlyList<float> classWeights,
        IReadOnlyList<double>? trainingPrior = null,
        IReadOnlyList<double>? deploymentPrior = null)
    {
        ArrayChecks.RequireFiniteLogits(logits, nameof(logits));
        ArgumentNullException.ThrowIfNull(classWeights);
        int rows = logits.GetLength(0);
        int k = logits.GetLength(1);

        if (classWeights.Count != k)
        {
            throw new ArgumentException(
                $"there are {classWeights.Count} class weights but the logits have {k} columns; they must match.",
                nameof(classWeights));
        }

        var shift = new double[k];
        for (int c = 0; c < k; c++)
        {
            float w = classWeights[c];
            if (!float.IsFinite(w) || w <= 0)
            {
                throw new ArgumentException(
                    $"class weight {ArrayChecks.Format(w)} at class {c} must be positive and finite.", nameof(classWeights));
            }

            shift[c] = -Math.Log(w);
        }

        if (trainingPrior is not null || deploymentPrior is not null)
        {
            if (trainingPrior is null || deploymentPrior is null)
            {
                throw new ArgumentException(
                    "a prior shift needs both the training prior and the deployment prior; pass both or neither.",
                    trainingPrior is null ? nameof(trainingPrior) : nameof(deploymentPrior));
            }

            double[] train = NormalisePrior(trainingPrior, k, nameof(trainingPrior));
            double[] deploy = NormalisePrior(deploymentPrior, k, nameof(deploymentPrior));
            for (int c = 0; c < k; c++)
            {
                shift[c] += Math.Log(deploy[c] / train[c]);
            }
        }

        var result = new float[rows, k];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < k; c++)
            {
                result[r, c] = (float)(logits[r, c] + shift[c]);
            }
        }

        return result;
    }

    private static double[] NormalisePrior(IReadOnlyList<double> prior, int k, string paramName)
    {
        if (prior.Count != k)
        {
            throw new ArgumentException(
                $"{paramName} has {prior.Count} entries but the logits have {k} columns; they must match.", paramName);
        }

        double sum = 0;
        for (int c = 0; c < k; c++)
        {
            double v = prior[c];
            if (!double.IsFinite(v) || v <= 0)
            {
                throw new ArgumentException(
                    $"{paramName} entry {ArrayChecks.Format(v)} at class {c} must be positive and finite.", paramName);
            }

            sum += v;
        }

        var result = new double[k];
        for (int c = 0; c < k; c++)
        {
            result[c] = prior[c] / sum;
        }

        return result;
    }
}
