using System.CommandLine;
using System.Globalization;
using HdrOfx.Cli.Batch;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Sequences;
using HdrOfx.Engine.IO.Video;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

public static class ReconstructCommand
{
    public const int MaxRadius = FrameWindow.MaxRadius;
    public const double MaxExposureStops = 20;

    public static Command Create()
    {
        var input = new Option<string>("--input", "-i") { Description = "Input image sequence pattern (e.g. in/frame.%04d.png, .exr/.png/.tif) or a video file.", Required = true };
        var ev = new Option<string>("--ev") { Description = "EV of each slot, comma-separated: 2 or 3 different values (e.g. -1.5,1.5 or -2,0,2). Their count is the pattern length. One value means single-exposure footage (method hdr-ldm).", Required = true };
        var phase = new Option<int>("--phase") { Description = "Timeline frame n holds slot (n + phase) mod length; 0 to length − 1.", DefaultValueFactory = _ => 0 };
        var transfer = new Option<string?>("--transfer") { Description = "Input transfer: srgb, rec709, gamma2.2 or linear (default: linear for EXR input, srgb otherwise)." };
        transfer.AcceptOnlyFromAmong("srgb", "rec709", "gamma2.2", "linear");
        var method = new Option<string>("--method") { Description = "Reconstruction method: classical, single, noalign, tcam, hdr-v-diff (neural; weights from --models); for one EV: hdr-ldm (neural, single-exposure; weights from --models).", DefaultValueFactory = _ => "classical" };
        var output = new Option<string>("--output", "-o") { Description = "Output EXR sequence pattern (e.g. out/hdr.%04d.exr) or a video (.mov = ProRes 4444, .mp4/.mkv = HEVC 10-bit).", Required = true };
        var frames = new Option<string?>("--frames") { Description = "Frames to reconstruct, A-B (default: all). Neighbours outside the range are still read." };
        var radius = new Option<int?>("--radius") { Description = $"Temporal radius r, 1 to {MaxRadius}: frames t-r..t+r are merged; 0 or absent = the default (1 for 2 exposures, 2 for 3), as in the plug-in." };
        var exposure = new Option<double>("--exposure") { Description = $"Output exposure shift in stops, -{MaxExposureStops} to {MaxExposureStops} (0 keeps EV 0 at 1.0).", DefaultValueFactory = _ => 0.0 };
        var encoding = new Option<string>("--output-encoding") { Description = "Video output encoding: pq or hlg (EXR output is always scene-linear).", DefaultValueFactory = _ => "pq" };
        encoding.AcceptOnlyFromAmong("pq", "hlg");
        var models = new Option<string?>("--models") { Description = "Folder holding the neural weights (tcam.safetensors); default: models/ beside the executable." };
        var ldmSteps = new Option<int>("--ldm-steps") { Description = "hdr-ldm, hdr-v-diff: DDIM steps, 1 to 50 (fewer is faster).", DefaultValueFactory = _ => Engine.Models.Ldm.DdimSampler.DefaultSteps };
        var highlight = new Option<double>("--highlight-recovery") { Description = "hdr-ldm: highlight-recovery strength, 0 (measured pixels only) to 1.", DefaultValueFactory = _ => 1.0 };
        var priorStrength = new Option<double>("--prior-strength") { Description = "hdr-v-diff: prior strength λ, 0 (tcam alone) to 1.", DefaultValueFactory = _ => 1.0 };
        var exrType = new Option<string>("--exr-type") { Description = "EXR sample type: half or float.", DefaultValueFactory = _ => "half" };
        exrType.AcceptOnlyFromAmong("half", "float");
        var exrCompression = new Option<string>("--exr-compression")
        {
            Description = "EXR compression: piz (lossless, the fastest to write of the lossless ones that shrink), zip, zips, rle, none, or the lossy dwaa, dwab, b44.",
            DefaultValueFactory = _ => "piz",
        };
        exrCompression.AcceptOnlyFromAmong("piz", "zip", "zips", "rle", "none", "dwaa", "dwab", "b44");

        var cmd = new Command("reconstruct", "Rebuild scene-linear HDR frames from alternating-exposure LDR footage.")
        {
            input, ev, phase, transfer, method, output, frames, radius, exposure, encoding, exrType, exrCompression, models, ldmSteps, highlight, priorStrength,
        };
        cmd.SetAction(r => CliRunner.Run("reconstruct", (logs, cancel) =>
        {
            var log = logs.CreateLogger("reconstruct");
            var pattern = ParsePattern(r.GetValue(ev)!, r.GetValue(phase));
            int? requestedRadius = r.GetValue(radius);
            if (requestedRadius is < 0 or > MaxRadius) throw new CliError($"--radius {requestedRadius} is outside 0 to {MaxRadius}");
            double stops = r.GetValue(exposure);
            if (!double.IsFinite(stops) || Math.Abs(stops) > MaxExposureStops)
                throw new CliError($"--exposure {stops.ToString(CultureInfo.InvariantCulture)} is not a number of stops from -{MaxExposureStops} to {MaxExposureStops}");
            int steps = DiffusionOptions.Steps(r.GetValue(ldmSteps));
            double strength = r.GetValue(highlight);
            if (!(strength is >= 0 and <= 1)) throw new CliError($"--highlight-recovery {strength.ToString(CultureInfo.InvariantCulture)} is outside 0 to 1");
            float prior = DiffusionOptions.PriorStrength(r.GetValue(priorStrength));
            var options = new ReconstructOptions
            {
                Method = r.GetValue(method)!, DiffusionSteps = steps, HighlightRecovery = (float)strength, PriorStrength = prior,
            };
            TcamWeights.Directory = r.GetValue(models) ?? Path.Combine(AppContext.BaseDirectory, "models");
            Reconstructor.Resolve(options.Method);
            Reconstructor.CheckInput(options.Method, pattern.Length);
            if (options.Method.Equals("tcam", StringComparison.OrdinalIgnoreCase))
            {
                TcamWeights.Shared();
                TcamDevice.Log = m => log.LogInformation("{Message}", m); // where tcam runs (CUDA or the CPU, and why)
            }
            if (options.Method.Equals(Engine.Models.Ldm.HdrLdmReconstruction.MethodName, StringComparison.OrdinalIgnoreCase)) Engine.Models.Ldm.LdmWeights.Shared();
            if (options.Method.Equals(Engine.Models.Zica.HdrVDiffReconstruction.MethodName, StringComparison.OrdinalIgnoreCase)) Engine.Models.Zica.ZicaWeights.Shared();
            if (options.Method.Equals("oracle", StringComparison.OrdinalIgnoreCase))
                throw new CliError("the oracle method needs ground-truth flow and is only available in 'hdrofx eval --benchmark'");

            using var inFrames = new InputFrames(r.GetValue(input)!);
            var tf = TransferFunctions.Parse(r.GetValue(transfer) ?? (inFrames.IsExr ? "linear" : "srgb"));
            var seq = new SequenceReconstructor(pattern, tf, options, requestedRadius ?? -1);
            var range = r.GetValue(frames) is { } fr ? FrameRange.Parse(fr) : inFrames.Range;
            if (!inFrames.Range.Contains(range.First) || !inFrames.Range.Contains(range.Last))
                throw new CliError($"--frames {range} is outside the input's frames {inFrames.Range}");
            var videoTransfer = r.GetValue(encoding) == "hlg" ? VideoTransfer.Hlg : VideoTransfer.Pq;
            using var outFrames = new OutputFrames(r.GetValue(output)!, inFrames.Width, inFrames.Height, inFrames.Files, videoTransfer,
                r.GetValue(exrType) == "float" ? ExrPixelType.Float : ExrPixelType.Half, Enum.Parse<ExrCompression>(r.GetValue(exrCompression)!, ignoreCase: true));
            outFrames.CheckDistinctFrom(inFrames.Pattern, range);
            if (outFrames.RemovedOrphans.Count > 0)
                log.LogInformation("removed {Count} temporary file(s) left by earlier runs that did not finish", outFrames.RemovedOrphans.Count);
            log.LogInformation("{Input} -> {Output}: {Method}, EVs {Evs}, phase {Phase}, transfer {Transfer}, radius {Radius}",
                inFrames.Description, outFrames.Description, options.Method, string.Join(",", pattern.Evs), pattern.Phase, TransferFunctions.Name(tf), seq.Radius);

            float gain = (float)Math.Pow(2, stops);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Progress.Run("reconstructing", range.Count,
                progress => BatchReconstruction.Run(seq, inFrames, range, outFrames, gain, progress, cancel), log, "frames");
            outFrames.Complete();
            log.LogInformation("wrote {Count} frames in {Seconds:0.0} s ({Rate:0.00} frames/s)", range.Count, clock.Elapsed.TotalSeconds, range.Count / clock.Elapsed.TotalSeconds);
            return CliRunner.Ok;
        }));
        return cmd;
    }

    /// <summary>--ev and --phase, checked in plain words: distinct EVs, a phase within the pattern.</summary>
    private static ExposurePattern ParsePattern(string evs, int phase)
    {
        var pattern = ExposurePattern.Parse(evs, 0);
        if (pattern.Evs.Distinct().Count() != pattern.Length)
            throw new CliError($"--ev {evs}: the exposures must differ (equal EVs carry no extra range)");
        if (phase < 0 || phase >= pattern.Length)
            throw new CliError($"--phase {phase} is outside 0 to {pattern.Length - 1} for a {pattern.Length}-exposure pattern");
        return new ExposurePattern(pattern.Evs, phase);
    }
}
