namespace MultiHeadClassifier.Corrections;

/// <summary>Which explicit corrections turn a model's raw logits into corrected ones. Prior correction always comes first.</summary>
[Flags]
public enum LogitCorrection
{
    /// <summary>Raw logits, as trained (biased toward up-weighted classes after weighted training).</summary>
    None = 0,

    /// <summary>Subtract ln w_c, the head's class weights (logit adjustment).</summary>
    Prior = 1,

    /// <summary>Divide by the head's fitted temperature.</summary>
    Temperature = 2,

    /// <summary>Prior correction, then temperature correction. The recommended pipeline after weighted training.</summary>
    PriorAndTemperature = Prior | Temperature,
}
