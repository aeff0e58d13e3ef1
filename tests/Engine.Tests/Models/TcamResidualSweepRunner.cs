using System.Globalization;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Hdri;
using HdrOfx.Engine.Metrics;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Synthesis;
using HdrOfx.Engine.Training;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>
/// Experiment, not a test: how a soft threshold on tcam's μ-law residual trades PSNR-μ for flicker, on the
/// synth-bench/1 clips made from training panoramas only (never the validation ones).
/// </summary>
[Explicit("experiment: minutes of tcam inference on the benchmark clips")]
public class TcamResidualSweepRunner
{
    [Test]
    public void SweepOnTrainingClips()
    {
        var weights = Environment.GetEnvironmentVariable("HDROFX_SWEEP_WEIGHTS") ?? Path.Combine(TestContext.CurrentContext.TestDirectory, "../../../../../bundle/Contents/Resources/models/tcam.safetensors");
        using var net = TcamWeights.Load(Path.GetFullPath(weights));
        var panoramas = HdriCatalog.EnsureAll().Select(e => HdriCatalog.Load(e.Name)).ToArray();
        float[] taus = [0f, 0.001f, 0.002f, 0.004f, 0.008f, 0.016f];
        var clips = Enumerable.Range(0, SyntheticBenchmark.Specs.Count).Where(i => !PanoramaSplit.ValidationClips.Contains(i)
            && !PanoramaSplit.ValidationClips.Contains((i + 8) % 16)).ToArray();
        var only = Environment.GetEnvironmentVariable("HDROFX_SWEEP_CLIPS");
        if (only is not null) clips = only.Split(',').Select(int.Parse).ToArray();
        foreach (int ci in clips)
        {
            var spec = SyntheticBenchmark.Specs[ci];
            var clip = SyntheticBenchmark.Generate(spec, panoramas);
            var tf = TransferFunctions.Parse(spec.Transfer);
            int radius = clip.Pattern.DefaultRadius;
            var classical = new List<ImageF>();
            var outs = taus.Select(_ => new List<ImageF>()).ToArray();
            for (int n = 0; n < clip.FrameCount; n++)
            {
                var window = new FrameInput?[2 * radius + 1];
                for (int d = -radius; d <= radius; d++)
                {
                    int t = n + d;
                    if (t >= 0 && t < clip.FrameCount) window[d + radius] = new FrameInput(SequenceReconstructor.Linearize(clip.Ldr[t], tf), clip.Pattern.EvOf(t));
                }
                var (c, sample) = TcamReconstruction.Prepare(window, radius, new ReconstructOptions(), CancellationToken.None);
                classical.Add(c.Hdr);
                if (sample is null) { foreach (var o in outs) o.Add(c.Hdr); continue; }
                var r = TcamReconstruction.Infer(net, sample);
                for (int k = 0; k < taus.Length; k++)
                {
                    outs[k].Add(TcamReconstruction.ApplyResidual(sample, r, taus[k]));
                }
            }
            var cs = TcamValidation.Score(clip, classical);
            var line = $"{spec.Name}: classical {cs.PsnrMu:F3} dB flicker {cs.Flicker * 1e3:F4}";
            for (int k = 0; k < taus.Length; k++)
            {
                var s = TcamValidation.Score(clip, outs[k]);
                line += string.Create(CultureInfo.InvariantCulture, $" | τ={taus[k]}: {s.PsnrMu - cs.PsnrMu:+0.000;-0.000} dB ×{s.Flicker / cs.Flicker:F3}");
            }
            TestContext.Progress.WriteLine(line);
        }
    }
}
