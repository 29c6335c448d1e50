namespace MultiHeadClassifier.Heads;

/// <summary>
/// The loss a head is trained with, which also fixes what its raw outputs mean. Whatever the kind, a head yields K
/// class probabilities downstream (corrections, decisions, metrics). A model may mix kinds.
/// </summary>
/// <remarks>
/// Every kind uses the head's class weights w: a row with label y carries w[y] in every term it enters.
/// <list type="bullet">
/// <item><see cref="CrossEntropy"/>: K outputs (logits); loss = Σ_i w[y_i]·(−log softmax(z_i)[y_i]) / Σ_i w[y_i].</item>
/// <item><see cref="Corn"/>: K−1 outputs; task k (0 ≤ k ≤ K−2) is a binary task "y &gt; k" trained on the rows with
/// y ≥ k; loss = Σ over entered (row, task) pairs of w[y]·BCE(z_k, 1[y &gt; k]) / Σ over the same pairs of w[y]
/// (the weighted mean over pairs, as coral-pytorch's <c>corn_loss</c> is the mean over pairs).</item>
/// <item><see cref="Coral"/>: K−1 outputs z_k = s + b_k sharing one weight vector (s = w·h) with one bias per
/// threshold; every labelled row enters every task; loss = Σ_i w[y_i]·Σ_k BCE(z_ik, 1[y_i &gt; k]) / Σ_i w[y_i]
/// (per row the sum over tasks, then the weighted mean over rows, as coral-pytorch's <c>coral_loss</c>).</item>
/// </list>
/// BCE(z, t) = −t·log σ(z) − (1 − t)·log(1 − σ(z)).
/// </remarks>
public enum HeadLoss
{
    /// <summary>Softmax cross-entropy over K logits. The default.</summary>
    CrossEntropy = 0,

    /// <summary>
    /// CORN (Shi, Cao and Raschka, 2021): K−1 conditional binary tasks; P(y &gt; k) = Π_{j≤k} σ(z_j), so the class
    /// probabilities are always consistent.
    /// </summary>
    Corn = 1,

    /// <summary>
    /// CORAL (Cao, Mirjalili and Raschka, 2020): one shared weight vector and K−1 biases; P(y &gt; k) = σ(z_k),
    /// made monotone in k before taking differences.
    /// </summary>
    Coral = 2,
}
