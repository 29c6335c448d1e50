using System.CommandLine;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Export;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// <c>mhc export</c>: writes a trained model as ONNX (for ONNX Runtime and other engines, without libtorch) or as
/// safetensors with a JSON sidecar (for PyTorch).
/// </summary>
public static class ExportCommand
{
    /// <summary>Builds the command.</summary>
    /// <param name="context">Output writers.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var modelDir = new Option<string>("--model") { Description = "Model directory written by 'mhc train'.", Required = true };
        var format = new Option<string>("--format") { Description = "onnx (for ONNX Runtime) or safetensors (for PyTorch; a .json sidecar is written beside it).", Required = true };
        var output = new Option<string>("--out") { Description = "Output file, e.g. model.onnx or model.safetensors.", Required = true };
        var correction = new Option<string?>("--correction") { Description = "ONNX only: add <head>_probabilities outputs after none|prior|temperature|prior+temperature (default: raw logits only)." };
        var correctionData = new Option<string?>("--correction-data", "--calibration-data") { Description = "Labelled held-out CSV or Parquet file on which to fit temperatures (--calibration-data is the earlier name)." };
        var naValues = OptionParsers.NaValuesOption(train: false);
        format.AcceptOnlyFromAmong("onnx", "safetensors");
        var command = new Command("export", "Export a trained model to ONNX or safetensors.") { modelDir, format, output, correction, correctionData, naValues };
        command.SetAction(p => Run(
            context,
            p.GetValue(modelDir)!,
            p.GetValue(format)!,
            p.GetValue(output)!,
            p.GetValue(correction) is { } name ? OptionParsers.Correction(name) : null,
            p.GetValue(correctionData),
            OptionParsers.NaValues(p.GetValue(naValues))));
        return command;
    }

    private static int Run(CliContext context, string modelDir, string format, string outPath, LogitCorrection? correction, string? correctionDataPath, Input.MissingValues? naValues)
    {
        if (format == "safetensors" && (correction is not null || correctionDataPath is not null))
        {
            throw new CliException("--correction and --correction-data apply to --format onnx; a safetensors export holds the class weights and the model's stored temperatures, and corrections are applied where it is run.");
        }

        if (correction is null && correctionDataPath is not null)
        {
            throw new CliException("--correction-data fits temperatures for --correction temperature or prior+temperature; give one of them.");
        }

        using var model = ModelDirectory.Load(modelDir);
        model.Missing = naValues ?? model.Missing;
        if (correction is { } c)
        {
            ModelInputs.PrepareCorrection(model, c, correctionDataPath);
        }

        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        if (format == "onnx")
        {
            var options = new OnnxExportOptions
            {
                Probabilities = correction,
                ImputationMeans = model.Means is { } means ? [.. model.Features.Select(f => means[f])] : null,
                FeatureNames = model.Features,
            };
            if (model.Ensemble is { } ensemble)
            {
                ensemble.ExportOnnx(outPath, options);
            }
            else
            {
                model.Model.ExportOnnx(outPath, options);
            }

            string outputs = correction is { } applied ? $"raw logits and probabilities after correction {OptionParsers.CorrectionName(applied)}" : "raw logits";
            context.Stdout.WriteLine($"Wrote {outPath}: ONNX opset {OnnxExport.OpsetVersion}, input 'features' [N, {model.Features.Count}], {model.Model.Heads.Count} heads ({outputs}), {(model.Means is null ? "no imputation" : "missing features imputed with the training means")}.");
        }
        else if (model.Ensemble is not null)
        {
            throw new CliException("--format safetensors: an ensemble has several state dicts; export it as onnx, or export each member from a model directory of its own.");
        }
        else
        {
            model.Model.ExportSafetensors(outPath);
            context.Stdout.WriteLine($"Wrote {outPath} and its sidecar {SafetensorsExport.SidecarPath(outPath)}{(model.Means is null ? string.Empty : $" (imputation means stay in {ModelDirectory.ImputationFile})")}.");
        }

        return 0;
    }
}
