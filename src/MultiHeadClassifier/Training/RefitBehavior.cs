namespace MultiHeadClassifier.Training;

/// <summary>
/// What a fit of an already-trained model does with the class weights and the feature standardisation it
/// computed before (<see cref="MultiHeadTrainerOptions.Refit"/>). Either way the same checks run on every fit,
/// the model's temperatures are cleared (training changes the logits they were fitted for), and
/// <c>MultiHeadModel.FittedOn</c> names the data the kept or new state came from.
/// </summary>
public enum RefitBehavior
{
    /// <summary>
    /// Compute them again from this fit's training data, as the first fit did: class weights that match the data
    /// being trained on. The default.
    /// </summary>
    Recompute,

    /// <summary>
    /// Keep the ones from the fit that computed them, for fine-tuning on more data with the same preprocessing
    /// and weights (the standardisation the network has learned to expect stays unchanged).
    /// </summary>
    Keep,
}
