using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// A multi-head classifier: head definitions, a <see cref="MultiHeadNetwork"/> (shared backbone plus one linear
/// head per category), the resolved class weights, the feature standardisation and optional per-head
/// temperatures. It predicts without a trainer; <c>MultiHeadClassifier.Training.MultiHeadTrainer</c> fits its
/// weights, and <c>MultiHeadClassifier.Persistence.ModelFile</c> saves and loads it (<c>model.Save(path)</c>,
/// <c>MultiHeadModel.Load(path)</c>).
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: <see cref="Predict(float[,], int)"/> may be called from several threads at once. Training,
/// loading weights or changing <see cref="Temperatures"/> while predicting is not supported.
/// </para>
/// <para>
/// Training state: the first fit, and by default every later one, computes the class weights and the
/// standardisation from its training data and records that data's <see cref="FittedOn"/> fingerprint
/// (<c>MultiHeadTrainerOptions.Refit</c> can keep them instead). Every fit clears <see cref="Temperatures"/>,
/// because training changes the logits they were fitted for.
/// </para>
/// </remarks>
public sealed class MultiHeadModel : IDisposable
{
    private const long TensorChunkRows = 1024;

    private readonly object _modeLock = new();
    private readonly object _standardizerLock = new();
    private FeatureStandardizer? _standardizer;
    private (Tensor Mean, Tensor Scale)? _standardizerTensors;
    private IReadOnlyDictionary<string, float[]>? _classWeights;
    private FittedTemperatures? _temperatures;
    private bool _disposed;

    private MultiHeadModel(
        int inputWidth,
        IReadOnlyList<HeadDefinition> heads,
        MultiHeadModelOptions options,
        MlpBackboneOptions? builtInBackbone,
        nn.Module<Tensor, Tensor> backbone,
        int backboneOutputWidth,
        RandomSource random)
    {
        InputWidth = inputWidth;
        Heads = [.. heads];
        Options = options;
        BackboneOptions = builtInBackbone;
        BackboneOutputWidth = backboneOutputWidth;
        Random = random;
        Device = new Device(options.Device);
        Network = new MultiHeadNetwork(backbone, backboneOutputWidth, heads);
        if (options.Seed is { } seed)
        {
            using var generator = new Generator((ulong)seed, CPU);
            ParameterInitializer.ResetLinearLayers(builtInBackbone is null ? Network.HeadLayer : Network, generator);
        }

        Network.to(Device);
        Network.eval();
    }

    /// <summary>The number of input features.</summary>
    public int InputWidth { get; }

    /// <summary>The heads, in label-column and output order.</summary>
    public IReadOnlyList<HeadDefinition> Heads { get; }

    /// <summary>The options the model was built with.</summary>
    public MultiHeadModelOptions Options { get; }

    /// <summary>The options of the built-in MLP backbone, or null for a custom backbone.</summary>
    public MlpBackboneOptions? BackboneOptions { get; }

    /// <summary>The backbone's output width (the heads' input width).</summary>
    public int BackboneOutputWidth { get; }

    /// <summary>The TorchSharp module, for users who want tensors or the state dict.</summary>
    public MultiHeadNetwork Network { get; }

    /// <summary>
    /// The class weights each head was trained with, keyed by head name. Null until the first
    /// <c>MultiHeadTrainer.Fit</c> resolves them from the heads' <see cref="ClassWeighting"/> and the training
    /// labels' class counts. Prior correction uses these.
    /// </summary>
    public IReadOnlyDictionary<string, float[]>? ClassWeights => _classWeights;

    /// <summary>The feature standardisation, or null when disabled or not fitted yet.</summary>
    public FeatureStandardizer? Standardizer => _standardizer;

    /// <summary>
    /// Each head's training class prior π_c = count_c / n over its labelled training rows, keyed by head name, from
    /// the same fit as <see cref="ClassWeights"/>; null before the first fit and for files that did not record it.
    /// The balanced-accuracy decision rule divides by it.
    /// </summary>
    public IReadOnlyDictionary<string, double[]>? ClassPriors { get; private set; }

    /// <summary>The training data the class weights and standardisation were computed from, or null before the first fit (or for files that did not record it).</summary>
    public DataFingerprint? FittedOn { get; private set; }

    /// <summary>
    /// The temperatures attached to the model for temperature correction, with their basis (raw or
    /// prior-corrected logits), or null. Saved with the model. Attach the result of
    /// <c>ModelCorrections.FitTemperatures</c> explicitly; fitting the model clears them.
    /// </summary>
    /// <value>Default null.</value>
    /// <exception cref="ArgumentException">Set to temperatures for heads the model does not have.</exception>
    public FittedTemperatures? Temperatures
    {
        get => _temperatures;
        set
        {
            if (value?.PerHead.Keys.FirstOrDefault(name => Heads.All(h => h.Name != name)) is { } unknown)
            {
                throw new ArgumentException($"The temperatures include head '{unknown}', which the model does not have; its heads are {string.Join(", ", Heads.Select(h => h.Name))}.", nameof(value));
            }

            _temperatures = value;
        }
    }

    /// <summary>The device the network lives on.</summary>
    internal Device Device { get; }

    internal RandomSource Random { get; }

    /// <summary>Builds a model with the built-in MLP backbone.</summary>
    /// <param name="inputWidth">Number of input features.</param>
    /// <param name="heads">The heads; names unique.</param>
    /// <param name="options">Backbone, standardisation, seed and device. Default: <see cref="MultiHeadModelOptions"/>'s defaults.</param>
    /// <returns>An untrained model.</returns>
    /// <exception cref="ArgumentException">Invalid heads or options.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputWidth"/> is not positive.</exception>
    /// <exception cref="TorchNativeLoadException">libtorch cannot be loaded.</exception>
    public static MultiHeadModel Create(int inputWidth, IReadOnlyList<HeadDefinition> heads, MultiHeadModelOptions? options = null)
    {
        options ??= new MultiHeadModelOptions();
        Validate(inputWidth, heads, options);
        var errors = options.Backbone.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid backbone options: " + string.Join(" ", errors), nameof(options));
        }

        var random = new RandomSource();
        var backbone = new MlpBackbone(inputWidth, options.Backbone, random);

        return new MultiHeadModel(inputWidth, heads, options, options.Backbone, backbone, backbone.OutputWidth, random);
    }

    /// <summary>Builds a model around a custom backbone.</summary>
    /// <param name="inputWidth">Number of input features.</param>
    /// <param name="heads">The heads; names unique.</param>
    /// <param name="backbone">Any module mapping [batch, inputWidth] to [batch, <paramref name="backboneOutputWidth"/>]. The model takes ownership and moves it to the device.</param>
    /// <param name="backboneOutputWidth">The backbone's output width.</param>
    /// <param name="options">Standardisation, seed (heads only) and device. <see cref="MultiHeadModelOptions.Backbone"/> is ignored.</param>
    /// <returns>An untrained model.</returns>
    /// <exception cref="ArgumentException">Invalid heads or options.</exception>
    /// <exception cref="TorchNativeLoadException">libtorch cannot be loaded.</exception>
    public static MultiHeadModel Create(int inputWidth, IReadOnlyList<HeadDefinition> heads, nn.Module<Tensor, Tensor> backbone, int backboneOutputWidth, MultiHeadModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(backboneOutputWidth);
        options ??= new MultiHeadModelOptions();
        Validate(inputWidth, heads, options);
        return new MultiHeadModel(inputWidth, heads, options, null, backbone, backboneOutputWidth, new RandomSource());
    }

    /// <summary>Predicts the raw logits of every head (no correction applied). Runs in eval mode and inference mode, in batches.</summary>
    /// <param name="features">Rows × <see cref="InputWidth"/> finite values.</param>
    /// <param name="batchSize">Rows per forward pass. Default 2048.</param>
    /// <returns>Logits per head; no re-weighting or correction applied.</returns>
    /// <exception cref="ArgumentException">The data has the wrong width or non-finite values.</exception>
    public MultiHeadPrediction Predict(float[,] features, int batchSize = 2048)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(features);
        CheckWidth(features.GetLength(1), nameof(features));
        return PredictRows(features.GetLength(0), batchSize, (start, count) => RowsOf(features, start, count));
    }

    /// <summary>Predicts the raw logits of every head from jagged rows.</summary>
    /// <param name="features">One array of <see cref="InputWidth"/> finite values per row.</param>
    /// <param name="batchSize">Rows per forward pass. Default 2048.</param>
    /// <returns>Logits per head.</returns>
    /// <exception cref="ArgumentException">The data has the wrong width or non-finite values.</exception>
    public MultiHeadPrediction Predict(float[][] features, int batchSize = 2048)
    {
        ThrowIfDisposed();
        return Predict(new MultiHeadDataset(features), batchSize);
    }

    /// <summary>Predicts the raw logits of every head for a dataset (its labels, if any, are ignored).</summary>
    /// <param name="data">The rows.</param>
    /// <param name="batchSize">Rows per forward pass. Default 2048.</param>
    /// <returns>Logits per head.</returns>
    /// <exception cref="ArgumentException">The data has the wrong width.</exception>
    public MultiHeadPrediction Predict(MultiHeadDataset data, int batchSize = 2048)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data.FeatureCount, nameof(data));
        return PredictRows(data.RowCount, batchSize, (start, count) => data.Features.Slice(start * InputWidth, count * InputWidth));
    }

    /// <summary>
    /// Predicts raw logits as tensors, for TorchSharp users. Runs in eval and inference mode.
    /// </summary>
    /// <param name="features">[rows, <see cref="InputWidth"/>] float32 features on any device.</param>
    /// <returns>[rows, K] logits per head, on the model's device; the caller disposes the result.</returns>
    /// <exception cref="ArgumentException">The tensor has the wrong shape, or a NaN or infinite value (the message names its row and column).</exception>
    public MultiHeadTensorPrediction PredictTensors(Tensor features)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2 || features.shape[1] != InputWidth)
        {
            throw new ArgumentException($"Features must be a [rows, {InputWidth}] tensor, but have shape [{string.Join(", ", features.shape)}].", nameof(features));
        }

        EnsureEvalMode();
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var input = features.to(float32).to(Device);
        var finite = isfinite(input);
        if (!finite.all().item<bool>())
        {
            long[] at = finite.logical_not().nonzero()[0].cpu().data<long>().ToArray();
            throw MultiHeadDataset.NonFiniteFeature(input[at[0], at[1]].item<float>(), (int)at[0], (int)at[1]);
        }

        var prepared = Prepare(input);
        long rows = prepared.shape[0];

        // Large inputs run in cache-sized chunks; only the small logits are concatenated.
        var logits = rows <= TensorChunkRows
            ? Network.forward(prepared)
            : cat(Enumerable.Range(0, (int)((rows + TensorChunkRows - 1) / TensorChunkRows))
                .Select(i => Network.forward(prepared.narrow(0, i * TensorChunkRows, Math.Min(TensorChunkRows, rows - (i * TensorChunkRows)))))
                .ToArray(), 0);
        var result = Network.SplitHeads(logits);
        foreach (var t in result.Values)
        {
            t.MoveToOuterDisposeScope();
        }

        return new MultiHeadTensorPrediction(result, rows);
    }

    /// <summary>Frees the network's tensors. Using the model afterwards throws <see cref="ObjectDisposedException"/> naming <see cref="MultiHeadModel"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Network.Dispose();
        _standardizerTensors?.Mean.Dispose();
        _standardizerTensors?.Scale.Dispose();
    }

    /// <summary>Applies the stored standardisation (if any) to raw features on the model's device.</summary>
    internal Tensor Prepare(Tensor features)
    {
        if (StandardizerTensors() is not { } standardizer)
        {
            return features.alias();
        }

        return (features - standardizer.Mean) / standardizer.Scale;
    }

    private (Tensor Mean, Tensor Scale)? StandardizerTensors()
    {
        if (_standardizer is null)
        {
            return null;
        }

        lock (_standardizerLock)
        {
            if (_standardizerTensors is null)
            {
                using var noGrad = no_grad();
                var mean = tensor(_standardizer.Means.Select(m => (float)m).ToArray(), device: Device).DetachFromDisposeScope();
                var scale = tensor(_standardizer.Scales.Select(v => (float)v).ToArray(), device: Device).DetachFromDisposeScope();
                _standardizerTensors = (mean, scale);
            }

            return _standardizerTensors;
        }
    }

    private void CheckWidth(int width, string parameter)
    {
        if (width != InputWidth)
        {
            throw new ArgumentException($"The data has {width} feature columns, but the model expects {InputWidth}.", parameter);
        }
    }

    private static ReadOnlySpan<float> RowsOf(float[,] features, int start, int count)
    {
        int width = features.GetLength(1);
        var all = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, float>(ref MemoryMarshal.GetArrayDataReference(features)), features.Length);
        return all.Slice(start * width, count * width);
    }

    private static Span<float> ValuesOf(float[,] array) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, float>(ref MemoryMarshal.GetArrayDataReference(array)), array.Length);

    /// <summary>
    /// The batched prediction loop: per batch, check the rows are finite, copy them (standardised on the way)
    /// into a tensor, run the network and copy each head's logits into its result array.
    /// </summary>
    private MultiHeadPrediction PredictRows(int rows, int batchSize, RowSource source)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        EnsureEvalMode();
        var outputs = Heads.Select(h => new float[rows, h.OutputCount]).ToArray();
        int totalClasses = Heads.Sum(h => h.OutputCount);
        using var inference = inference_mode();
        for (int start = 0; start < rows; start += batchSize)
        {
            int count = Math.Min(batchSize, rows - start);
            var values = source(start, count);
            int bad = FiniteValues.IndexOfNonFinite(values);
            if (bad >= 0)
            {
                throw MultiHeadDataset.NonFiniteFeature(values[bad], start + bad / InputWidth, bad % InputWidth);
            }

            using var scope = NewDisposeScope();

            // One pass copies (and standardises) the rows straight into the tensor's memory. Tensor.bytes is a
            // plain memory span; TensorAccessor's CopyFrom/CopyTo go element by element and are 10× slower.
            var x = empty([count, InputWidth], float32, CPU);
            var destination = MemoryMarshal.Cast<byte, float>(x.bytes);
            if (_standardizer is { } standardizer)
            {
                standardizer.Transform(values, destination);
            }
            else
            {
                values.CopyTo(destination);
            }

            if (Device.type != DeviceType.CPU)
            {
                x = x.to(Device);
            }

            // One copy of the [count, ΣK] logits, then each head's block of each row into its result array.
            var logits = Network.forward(x).cpu().contiguous();
            var logitValues = MemoryMarshal.Cast<byte, float>(logits.bytes);
            int offset = 0;
            for (int h = 0; h < Heads.Count; h++)
            {
                int k = Heads[h].OutputCount;
                var headValues = ValuesOf(outputs[h]).Slice(start * k, count * k);
                for (int r = 0; r < count; r++)
                {
                    logitValues.Slice((r * totalClasses) + offset, k).CopyTo(headValues.Slice(r * k, k));
                }

                offset += k;
            }
        }

        return new MultiHeadPrediction(
            Heads.Select((h, i) => (h.Name, outputs[i])).ToDictionary(p => p.Name, p => p.Item2, StringComparer.Ordinal),
            Heads.ToDictionary(h => h.Name, h => h.Loss, StringComparer.Ordinal));
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming this type if the model has been disposed.</summary>
    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    internal void SetTrainingState(IReadOnlyDictionary<string, float[]>? classWeights, FeatureStandardizer? standardizer, DataFingerprint? fittedOn, IReadOnlyDictionary<string, double[]>? classPriors)
    {
        ClassPriors = classPriors;
        _classWeights = classWeights;
        _standardizer = standardizer;
        FittedOn = fittedOn;
        lock (_standardizerLock)
        {
            _standardizerTensors?.Mean.Dispose();
            _standardizerTensors?.Scale.Dispose();
            _standardizerTensors = null;
        }
    }

    private void EnsureEvalMode()
    {
        lock (_modeLock)
        {
            if (Network.training)
            {
                Network.eval();
            }
        }
    }

    private static void Validate(int inputWidth, IReadOnlyList<HeadDefinition> heads, MultiHeadModelOptions options)
    {
        TorchRuntime.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputWidth);
        HeadDefinition.ValidateSet(heads);
        if (string.IsNullOrWhiteSpace(options.Device))
        {
            throw new ArgumentException("Device must be a device name such as \"cpu\" or \"cuda:0\".", nameof(options));
        }
    }

    private delegate ReadOnlySpan<float> RowSource(int start, int count);
}
