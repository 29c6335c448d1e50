using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Export;

/// <summary>
/// Exports a model, or an ensemble of models, to an ONNX file that ONNX Runtime and other ONNX engines run
/// without libtorch: <c>model.ExportOnnx(path, options)</c> or <c>models.ExportOnnx(path, options)</c> with
/// <c>using MultiHeadClassifier.Export;</c>. Thread-safe for concurrent exports of models that are not being
/// trained.
/// </summary>
/// <remarks>
/// <para>
/// The graph (opset <see cref="OpsetVersion"/>, IR version 8) takes one float32 input <c>features</c> [N, F]
/// and reproduces <c>model.Predict</c>: imputation of NaN features when
/// <see cref="OnnxExportOptions.ImputationMeans"/> are given (models hold no imputation means of their own),
/// the model's standardisation, the backbone in eval mode (dropout is dropped), and the fused head layer. It has
/// one output per head, named after the head, [N, K], holding the raw logits; with
/// <see cref="OnnxExportOptions.Probabilities"/> set, also <c>&lt;head&gt;_probabilities</c> [N, K] after that
/// correction. An ensemble's outputs are the means of its members' raw logits and of their (each member's own)
/// corrected probabilities, computed inside the graph.
/// </para>
/// <para>
/// A custom backbone exports when it is built from <c>Sequential</c>, <c>Linear</c>, <c>ReLU</c>, <c>GELU</c>,
/// <c>Tanh</c>, <c>Sigmoid</c>, <c>SiLU</c>, <c>LayerNorm</c>, <c>BatchNorm1d</c> (running statistics),
/// <c>Dropout</c> and <c>Identity</c>; any other module is a <see cref="NotSupportedException"/> naming its type
/// and its path in the model (as in state-dict keys, e.g. <c>backbone.2</c>).
/// </para>
/// <para>
/// The model's <c>metadata_props</c> hold, as strings: <c>library_version</c>, <c>feature_count</c>,
/// <c>features</c> (when given), <c>heads</c>, <c>head_kinds</c>, <c>classes</c>, <c>class_weights</c>,
/// <c>priors</c> (the prior correction's per-class logit offsets −ln w_c), <c>temperatures</c>,
/// <c>standardization</c>, <c>imputation</c>, <c>imputation_means</c>, <c>probabilities_correction</c>,
/// <c>ensemble_size</c> and <c>outputs</c>; structured values are JSON. For an ensemble, <c>class_weights</c>,
/// <c>priors</c>, <c>temperatures</c> and <c>standardization</c> are JSON arrays with one entry per member.
/// </para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX operator set version of the exported graphs.</summary>
    public const int OpsetVersion = 17;

    /// <summary>The ONNX IR version of the exported files (the one that introduced opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>The name of the graph's one input, float32 [N, F].</summary>
    public const string InputName = "features";

    /// <summary>The suffix of the probability outputs: <c>&lt;head&gt;_probabilities</c>.</summary>
    public const string ProbabilitiesSuffix = "_probabilities";

    /// <summary><see cref="MultiHeadModel"/>'s ONNX export.</summary>
    /// <param name="model">The model.</param>
    extension(MultiHeadModel model)
    {
        /// <summary>Writes the model as an ONNX file (atomically) that reproduces <c>Predict</c>; see <see cref="OnnxExport"/>.</summary>
        /// <param name="path">The file to write; its folder must exist.</param>
        /// <param name="options">Probability outputs, imputation and feature names. Default: raw logits only.</param>
        /// <exception cref="ArgumentException">Invalid options (every problem in one message), or a head name that clashes with another output or with <c>features</c>.</exception>
        /// <exception cref="InvalidOperationException">A correction the model cannot make: prior correction without class weights, temperature correction without temperatures fitted on the same basis.</exception>
        /// <exception cref="NotSupportedException">The backbone contains a module with no ONNX translation; the message names its type and path.</exception>
        /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
        public void ExportOnnx(string path, OnnxExportOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(model);
            Write([model], path, options);
        }
    }

    /// <summary>An ensemble's ONNX export.</summary>
    /// <param name="ensemble">The members: models with the same input width and the same heads (names and class counts, in order).</param>
    extension(IReadOnlyList<MultiHeadModel> ensemble)
    {
        /// <summary>
        /// Writes an ensemble as one ONNX file (atomically): each member's graph runs on the same input, and each
        /// output is the mean over the members (raw logits, and each member's own corrected probabilities).
        /// </summary>
        /// <param name="path">The file to write; its folder must exist.</param>
        /// <param name="options">Probability outputs, imputation and feature names. Default: raw logits only.</param>
        /// <exception cref="ArgumentException">No members, members that differ in input width or heads, or invalid options.</exception>
        /// <exception cref="InvalidOperationException">A member cannot make the requested correction; the message names the member.</exception>
        /// <exception cref="NotSupportedException">A member's backbone contains a module with no ONNX translation.</exception>
        /// <exception cref="ObjectDisposedException">A member has been disposed.</exception>
        public void ExportOnnx(string path, OnnxExportOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(ensemble);
            Write(ensemble, path, options);
        }
    }

    /// <summary>A <see cref="MultiHeadEnsemble"/>'s ONNX export.</summary>
    /// <param name="ensemble">The ensemble.</param>
    extension(MultiHeadEnsemble ensemble)
    {
        /// <summary>
        /// Writes the ensemble as one ONNX file (atomically) that reproduces <c>ensemble.Probabilities</c>: each
        /// output is the mean over the members of the raw outputs and of the members' probabilities after the prior
        /// part of the correction; its temperature part is then applied to that mean, softmax(log p̄ / T), with the
        /// ensemble's own temperatures.
        /// </summary>
        /// <param name="path">The file to write; its folder must exist.</param>
        /// <param name="options">Probability outputs, imputation and feature names. Default: raw outputs only.</param>
        /// <exception cref="InvalidOperationException">Prior correction without class weights, or temperature correction without ensemble temperatures fitted on the same basis.</exception>
        public void ExportOnnx(string path, OnnxExportOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(ensemble);
            ArgumentException.ThrowIfNullOrWhiteSpace(path);
            var proto = Build(ensemble.Members, options ?? new OnnxExportOptions(), EnsembleTemperatures(ensemble, options?.Probabilities));
            AtomicFile.Write(path, stream => proto.WriteTo(stream));
        }
    }

    /// <summary>The ONNX model of a model or ensemble, as bytes.</summary>
    internal static byte[] ToBytes(IReadOnlyList<MultiHeadModel> members, OnnxExportOptions? options) =>
        Build(members, options ?? new OnnxExportOptions()).ToByteArray();

    private static void Write(IReadOnlyList<MultiHeadModel> members, string path, OnnxExportOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var proto = Build(members, options ?? new OnnxExportOptions());
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    /// <summary>For a <see cref="MultiHeadEnsemble"/>: the temperatures its mean gets (or none), checked as <c>Probabilities</c> checks them.</summary>
    private static MeanTemperatures EnsembleTemperatures(MultiHeadEnsemble ensemble, LogitCorrection? correction)
    {
        bool prior = correction?.HasFlag(LogitCorrection.Prior) == true;
        if (correction?.HasFlag(LogitCorrection.Temperature) != true)
        {
            return new MeanTemperatures(null);
        }

        if (ensemble.Temperatures is not { } temperatures || temperatures.AfterPriorCorrection != prior)
        {
            throw new InvalidOperationException($"The ensemble has no temperatures fitted on the {(prior ? "prior-corrected" : "raw")} mean; fit them with ensemble.FitTemperatures(heldOut, afterPriorCorrection: {prior.ToString().ToLowerInvariant()}) and attach them.");
        }

        return new MeanTemperatures(temperatures);
    }

    private static ModelProto Build(IReadOnlyList<MultiHeadModel> members, OnnxExportOptions options, MeanTemperatures? onMean = null)
    {
        CheckMembers(members);
        var first = members[0];
        var errors = options.Validate(first.InputWidth);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid ONNX export options: " + string.Join(" ", errors), nameof(options));
        }

        var heads = first.Heads.Select(HeadOutput.For).ToList();
        var memberCorrection = onMean is null ? options.Probabilities : options.Probabilities & LogitCorrection.Prior;
        var corrections = members.Select((m, i) => Corrections(m, memberCorrection, members.Count == 1 ? "The model" : $"Ensemble member {i}")).ToList();

        var graph = new OnnxGraph("multi_head_classifier");
        graph.Reserve(InputName);
        graph.Input(InputName, first.InputWidth);
        var rawNames = heads.Select(h => graph.Reserve(h.Head.Name)).ToList();
        var probabilityNames = options.Probabilities is null ? [] : heads.Select(h => graph.Reserve(h.Head.Name + ProbabilitiesSuffix)).ToList();
        string features = Imputed(graph, options);
        bool single = members.Count == 1 && onMean is null;
        var (memberRaw, memberProbabilities) = EmitMembers(graph, members, features, heads, corrections, single, rawNames, probabilityNames, options.Probabilities is not null);
        for (int h = 0; h < heads.Count; h++)
        {
            if (!single)
            {
                graph.Node("Mean", memberRaw.Select(r => r[h]), [rawNames[h]]);
                if (options.Probabilities is not null)
                {
                    EmitMeanProbabilities(graph, heads[h].Head.Name, memberProbabilities.Select(p => p[h]), onMean?.Temperatures, probabilityNames[h]);
                }
            }

            graph.Output(rawNames[h], heads[h].RawWidth);
        }

        for (int h = 0; h < probabilityNames.Count; h++)
        {
            graph.Output(probabilityNames[h], heads[h].Head.ClassCount);
        }

        return Assemble(graph, members, options, heads, [.. rawNames, .. probabilityNames]);
    }

    /// <summary>The features after imputing NaN with the options' means, when given.</summary>
    private static string Imputed(OnnxGraph graph, OnnxExportOptions options)
    {
        if (options.ImputationMeans is not { } means)
        {
            return InputName;
        }

        string missing = graph.Node("IsNaN", [InputName], "imputation.missing");
        float[] values = [.. means.Select(m => (float)m)];
        return graph.Node("Where", [missing, graph.Constant("imputation.means", values, values.Length), InputName], "imputed");
    }

    /// <summary>Each member's graph on the same features: its raw outputs and, when asked, its corrected probabilities.</summary>
    private static (List<IReadOnlyList<string>> Raw, List<IReadOnlyList<string>> Probabilities) EmitMembers(
        OnnxGraph graph, IReadOnlyList<MultiHeadModel> members, string features, List<HeadOutput> heads, List<List<HeadCorrection>> corrections,
        bool single, IReadOnlyList<string> rawNames, IReadOnlyList<string> probabilityNames, bool withProbabilities)
    {
        var memberRaw = new List<IReadOnlyList<string>>();
        var memberProbabilities = new List<IReadOnlyList<string>>();
        for (int m = 0; m < members.Count; m++)
        {
            string scope = single ? string.Empty : $"member{m}/";
            var raw = single ? rawNames : heads.Select(h => graph.Name(scope + h.Head.Name)).ToList();
            EmitMember(graph, members[m], features, scope, heads, raw);
            memberRaw.Add(raw);
            if (withProbabilities)
            {
                var probabilities = single ? probabilityNames : heads.Select(h => graph.Name(scope + h.Head.Name + ProbabilitiesSuffix)).ToList();
                for (int h = 0; h < heads.Count; h++)
                {
                    heads[h].EmitProbabilities(graph, raw[h], corrections[m][h], probabilities[h], scope + heads[h].Head.Name);
                }

                memberProbabilities.Add(probabilities);
            }
        }

        return (memberRaw, memberProbabilities);
    }

    /// <summary>The mean of the members' probabilities; with a <see cref="MultiHeadEnsemble"/>'s temperatures, softmax(log p̄ / T).</summary>
    private static void EmitMeanProbabilities(OnnxGraph graph, string head, IEnumerable<string> members, FittedTemperatures? temperatures, string output)
    {
        if (temperatures is null)
        {
            graph.Node("Mean", members, [output]);
            return;
        }

        string mean = graph.Node("Mean", members, head + ".mean");
        string floored = graph.Node("Max", [mean, graph.Scalar(head + ".floor", 1e-12f)], head + ".mean_floored");
        string log = graph.Node("Log", [floored], head + ".mean_log");
        float t = (float)(temperatures.PerHead.TryGetValue(head, out double value) ? value : 1.0);
        string divided = graph.Node("Div", [log, graph.Scalar(head + ".mean_temperature", t)], head + ".mean_corrected");
        graph.Node("Softmax", [divided], [output], OnnxGraph.Attribute("axis", -1L));
    }

    /// <summary>The model proto around the graph: IR and opset versions, producer, and the metadata.</summary>
    private static ModelProto Assemble(OnnxGraph graph, IReadOnlyList<MultiHeadModel> members, OnnxExportOptions options, List<HeadOutput> heads, List<string> outputs)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "MultiHeadClassifier",
            ProducerVersion = LibraryInfo.Version,
            DocString = "A multi-head classifier exported by MultiHeadClassifier: input 'features' [N, F]; one output per head with its raw outputs"
                + (options.Probabilities is null ? "." : " and one '<head>_probabilities' output per head."),
            Graph = graph.Proto,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        foreach (var (key, value) in Metadata(members, options, heads, outputs))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    /// <summary>Standardisation, backbone and fused heads of one model, ending in its raw per-head outputs.</summary>
    private static void EmitMember(OnnxGraph graph, MultiHeadModel model, string features, string scope, List<HeadOutput> heads, IReadOnlyList<string> raw)
    {
        string x = features;
        if (model.Standardizer is { } standardizer)
        {
            float[] mean = [.. standardizer.Means.Select(v => (float)v)];
            float[] scale = [.. standardizer.Scales.Select(v => (float)v)];
            string centred = graph.Node("Sub", [x, graph.Constant(scope + "standardization.mean", mean, mean.Length)], scope + "standardization.centred");
            x = graph.Node("Div", [centred, graph.Constant(scope + "standardization.scale", scale, scale.Length)], scope + "standardized");
        }

        var children = model.Network.named_children().ToDictionary(c => c.name, c => c.module, StringComparer.Ordinal);
        x = BackboneExport.Emit(graph, children["backbone"], "backbone", x, scope);

        var layer = model.Network.HeadLayer;
        string weight = graph.Constant(scope + "heads.weight", BackboneExport.Values(layer.Weight), layer.Weight.shape);
        string bias = graph.Constant(scope + "heads.bias", BackboneExport.Values(layer.Bias), layer.Bias.shape);
        string fused;
        if (layer.RowOfOutput is { } rows)
        {
            // CORAL heads share one weight row among their K−1 outputs: multiply, expand the rows to outputs, add the biases.
            string products = graph.Node("Gemm", [x, weight], scope + "heads.rows", OnnxGraph.Attribute("transB", 1L));
            string expanded = graph.Node("Gather", [products, graph.Int64Constant(scope + "heads.row_of_output", rows, rows.Length)], scope + "heads.expanded", OnnxGraph.Attribute("axis", 1L));
            fused = graph.Node("Add", [expanded, bias], scope + "heads");
        }
        else if (heads.Count == 1)
        {
            graph.Node("Gemm", [x, weight, bias], raw, OnnxGraph.Attribute("transB", 1L));
            return;
        }
        else
        {
            fused = graph.Node("Gemm", [x, weight, bias], scope + "heads", OnnxGraph.Attribute("transB", 1L));
        }

        if (heads.Count == 1)
        {
            graph.Node("Identity", [fused], raw);
            return;
        }

        long[] widths = [.. heads.Select(h => (long)h.RawWidth)];
        graph.Node("Split", [fused, graph.Int64Constant(scope + "heads.split", widths, widths.Length)], raw, OnnxGraph.Attribute("axis", 1L));
    }

    /// <summary>Each head's correction for one model, checked as <c>ModelCorrections.Apply</c> checks it.</summary>
    private static List<HeadCorrection> Corrections(MultiHeadModel model, LogitCorrection? correction, string who)
    {
        bool prior = correction?.HasFlag(LogitCorrection.Prior) == true;
        bool temperature = correction?.HasFlag(LogitCorrection.Temperature) == true;
        if (prior && model.ClassWeights is null)
        {
            throw new InvalidOperationException($"{who} has no class weights, which prior correction needs; fit or load a trained model first.");
        }

        var temperatures = model.Temperatures;
        if (temperature && (temperatures is null || temperatures.AfterPriorCorrection != prior))
        {
            string basis = prior ? "prior-corrected" : "raw";
            throw new InvalidOperationException(
                $"{who} has no temperatures fitted on {basis} logits, which {(prior ? "prior+temperature" : "temperature")} correction needs; fit them with ModelCorrections.FitTemperatures(model, heldOutData, afterPriorCorrection: {prior.ToString().ToLowerInvariant()}) and attach them (model.Temperatures = …).");
        }

        return [.. model.Heads.Select(h => new HeadCorrection(
            prior ? [.. model.ClassWeights![h.Name].Select(w => (float)-Math.Log(w))] : null,
            temperature && temperatures!.PerHead.TryGetValue(h.Name, out double t) ? t : null))];
    }

    private static void CheckMembers(IReadOnlyList<MultiHeadModel> members)
    {
        if (members.Count == 0)
        {
            throw new ArgumentException("An ensemble needs at least one model.", nameof(members));
        }

        for (int i = 0; i < members.Count; i++)
        {
            if (members[i] is null)
            {
                throw new ArgumentNullException(nameof(members), $"Ensemble member {i} is null.");
            }

            members[i].ThrowIfDisposed();
        }

        var first = members[0];
        for (int i = 1; i < members.Count; i++)
        {
            var member = members[i];
            if (member.InputWidth != first.InputWidth)
            {
                throw new ArgumentException($"Ensemble member {i} has {member.InputWidth} input features, but member 0 has {first.InputWidth}.", nameof(members));
            }

            string Describe(MultiHeadModel m) => string.Join(", ", m.Heads.Select(h => $"{h.Name} ({h.ClassCount} classes)"));
            if (!member.Heads.Select(h => (h.Name, h.ClassCount)).SequenceEqual(first.Heads.Select(h => (h.Name, h.ClassCount))))
            {
                throw new ArgumentException($"Ensemble member {i} has heads {Describe(member)}, but member 0 has {Describe(first)}; members must have the same heads in the same order.", nameof(members));
            }
        }
    }

    private static List<(string Key, string Value)> Metadata(IReadOnlyList<MultiHeadModel> members, OnnxExportOptions options, List<HeadOutput> heads, List<string> outputs)
    {
        bool single = members.Count == 1;
        JsonNode? PerMember(Func<MultiHeadModel, JsonNode?> value) =>
            single ? value(members[0]) : new JsonArray([.. members.Select(value)]);

        JsonNode? ClassWeights(MultiHeadModel m) => m.ClassWeights is { } weights
            ? new JsonObject(m.Heads.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)Numbers(weights[h.Name].Select(w => (double)w)))))
            : null;
        JsonNode? Priors(MultiHeadModel m) => m.ClassWeights is { } weights
            ? new JsonObject(m.Heads.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)Numbers(weights[h.Name].Select(w => -Math.Log(w))))))
            : null;
        JsonNode? Temperatures(MultiHeadModel m) => m.Temperatures is { } t
            ? new JsonObject
            {
                ["per_head"] = new JsonObject(t.PerHead.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
                ["after_prior_correction"] = t.AfterPriorCorrection,
            }
            : null;

        var first = members[0];
        var result = new List<(string, string)>
        {
            ("library_version", LibraryInfo.Version),
            ("feature_count", first.InputWidth.ToString(CultureInfo.InvariantCulture)),
        };
        if (options.FeatureNames is { } names)
        {
            result.Add(("features", Json(new JsonArray([.. names.Select(n => (JsonNode?)JsonValue.Create(n))]))));
        }

        result.AddRange(
        [
            ("heads", Json(new JsonArray([.. first.Heads.Select(h => (JsonNode?)JsonValue.Create(h.Name))]))),
            ("head_kinds", Json(new JsonObject(heads.Select(h => KeyValuePair.Create(h.Head.Name, (JsonNode?)JsonValue.Create(h.Kind)))))),
            ("classes", Json(new JsonObject(first.Heads.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)new JsonArray([.. h.ClassNames.Select(c => (JsonNode?)JsonValue.Create(c))])))))),
            ("class_weights", Json(PerMember(ClassWeights))),
            ("priors", Json(PerMember(Priors))),
            ("temperatures", Json(PerMember(Temperatures))),
            ("standardization", Json(PerMember(m => JsonValue.Create(m.Standardizer is null ? "none" : "z-score")))),
            ("imputation", options.ImputationMeans is null ? "none" : "mean"),
        ]);
        if (options.ImputationMeans is { } means)
        {
            result.Add(("imputation_means", Json(Numbers(means))));
        }

        if (options.Probabilities is { } correction)
        {
            result.Add(("probabilities_correction", CorrectionName(correction)));
        }

        result.Add(("ensemble_size", members.Count.ToString(CultureInfo.InvariantCulture)));
        result.Add(("outputs", Json(new JsonArray([.. outputs.Select(o => (JsonNode?)JsonValue.Create(o))]))));
        return result;
    }

    /// <summary>The CLI's name of a correction: none, prior, temperature or prior+temperature.</summary>
    internal static string CorrectionName(LogitCorrection correction) => correction switch
    {
        LogitCorrection.Prior => "prior",
        LogitCorrection.Temperature => "temperature",
        LogitCorrection.PriorAndTemperature => "prior+temperature",
        _ => "none",
    };

    private static JsonArray Numbers(IEnumerable<double> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";
}

/// <summary>How a <see cref="MultiHeadEnsemble"/> export corrects: members up to the prior part, then these temperatures (if any) on the mean.</summary>
/// <param name="Temperatures">The ensemble's temperatures, or null when the correction has no temperature part.</param>
internal sealed record MeanTemperatures(FittedTemperatures? Temperatures);
