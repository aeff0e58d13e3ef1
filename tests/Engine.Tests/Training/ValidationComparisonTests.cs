using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Metrics;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Synthesis;
using HdrOfx.Engine.Tests.Synthesis;
using HdrOfx.Engine.Training;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Training;

/// <summary>`eval --hdr-v-diff`'s scoring: the window-clipped masks and the masked error against naive loops.</summary>
public class ValidationComparisonTests
{
    private static readonly Lazy<TcamValidation> Clips = new(() =>
        new TcamValidation(Enumerable.Range(0, 16).Select(i => ProceduralHdr.Panorama(512, 256, i + 1)).ToArray(), frames: 3));

    [Test]
    public void WindowClippedMasksMatchANaiveLoop()
    {
        var v = Clips.Value;
        var spec = PanoramaSplit.ValidationSpecs()[0];
        var clip = SyntheticBenchmark.Generate(spec, Enumerable.Range(0, 16).Select(i => ProceduralHdr.Panorama(512, 256, i + 1)).ToArray());
        var tf = TransferFunctions.Parse(spec.Transfer);
        int r = clip.Pattern.DefaultRadius;
        var masks = v.ClippedInWholeWindow(0);
        Assert.That(masks, Has.Count.EqualTo(3));
        long total = 0;
        for (int n = 0; n < 3; n++)
        {
            var lin = Enumerable.Range(Math.Max(0, n - r), Math.Min(clip.FrameCount - 1, n + r) - Math.Max(0, n - r) + 1)
                .Select(t => SequenceReconstructor.Linearize(clip.Ldr[t], tf)).ToArray();
            int np = lin[0].PlaneSize;
            for (int p = 0; p < np; p++)
            {
                bool all = true;
                foreach (var l in lin)
                {
                    float m = Math.Max(l.Data[p], Math.Max(l.Data[np + p], l.Data[2 * np + p]));
                    all &= m >= 0.99f;
                }
                Assert.That(masks[n][p], Is.EqualTo(all), $"frame {n} pixel {p}");
                if (all) total++;
            }
        }
        Assert.That(total, Is.GreaterThan(0), "the clip must have pixels clipped in a whole window for the test to mean anything");
    }

    [Test]
    public void ScoresEachMethodAndTheWindowClippedErrorAgainstANaiveSum()
    {
        var v = Clips.Value;
        var methods = new (string, IReconstructionMethod)[] { ("half", new Constant(0.5f)), ("two", new Constant(2f)) };
        var pictures = new List<MethodPicture>();
        var rows = ValidationComparison.Run(v, methods, new ReconstructOptions(), pictures.Add);
        Assert.That(rows, Has.Count.EqualTo(2 * v.ClipCount));
        Assert.That(pictures, Has.Count.EqualTo(v.ClipCount));
        for (int c = 0; c < v.ClipCount; c++)
        {
            var truth = v.Truth(c);
            var masks = v.ClippedInWholeWindow(c);
            double peak = ClipPeak.Of(truth);
            foreach (var (name, value) in new[] { ("half", 0.5), ("two", 2.0) })
            {
                double sum = 0; long count = 0;
                for (int f = 0; f < truth.Count; f++)
                {
                    int np = truth[f].PlaneSize;
                    for (int p = 0; p < np; p++)
                        if (masks[f][p])
                            for (int ch = 0; ch < 3; ch++)
                            {
                                double mu(double x) => Math.Log(1 + 5000 * x) / Math.Log(1 + 5000);
                                double d = mu(Math.Clamp(value / peak, 0, 1)) - mu(Math.Clamp(truth[f].Data[ch * np + p] / peak, 0, 1));
                                sum += d * d; count++;
                            }
                }
                var row = rows.Single(r => r.Clip == v.ClipName(c) && r.Method == name);
                if (count == 0) Assert.That(row.PsnrMuWindowClipped, Is.NaN);
                else Assert.That(row.PsnrMuWindowClipped, Is.EqualTo(10 * Math.Log10(1 / (sum / count))).Within(1e-3), $"{name} on {v.ClipName(c)}");
                Assert.That(row.WindowClippedFraction, Is.EqualTo(masks.Average(m => m.Count(b => b) / (double)m.Length)).Within(1e-12));
                Assert.That(row.Score.PsnrMu, Is.EqualTo(v.Score(c, Enumerable.Repeat(Full(truth[0], (float)value), truth.Count).ToArray()).PsnrMu).Within(1e-9));
            }
            Assert.That(pictures[c].Results.Select(r => r.Method), Is.EqualTo(new[] { "half", "two" }));
            Assert.That(pictures[c].WindowClipped.Count(b => b), Is.EqualTo(masks.Max(m => m.Count(b => b))));
        }
    }

    private static ImageF Full(ImageF like, float value)
    {
        var img = new ImageF(like.Width, like.Height, 3);
        Array.Fill(img.Data, value);
        return img;
    }

    private sealed class Constant(float value) : IReconstructionMethod
    {
        public string Name => "constant";

        public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
        {
            var f = frames[refIndex]!;
            return new ReconstructResult(Full(f.Linear, value));
        }
    }
}
