using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// The vision ops' share of <see cref="FallbackSelfTest"/>: run in the child process with DOTNET_EnableAVX2=0 /
/// DOTNET_EnableHWIntrinsic=0, so the scalar tails of the norm, correlation and span helpers are covered too.
/// Same references and tolerances as the NUnit tests.
/// </summary>
public static class VisionFallbackChecks
{
    public static int Run(TextWriter log)
    {
        int failures = 0;
        void Check(string name, Func<double[][], double[]> reference, Func<Tensor[], Tensor> op, int[] outShape, Tensor[] inputs, double fwd, double grad)
        {
            try
            {
                var r = GradCheck.Check(op, a => new RefTensor(reference(a.Select(t => t.Data).ToArray()), outShape), inputs, 1, 24);
                bool ok = r.ForwardMaxRel < fwd && r.GradMaxRel < grad;
                log.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}: {r}");
                if (!ok) failures++;
            }
            catch (Exception e) { log.WriteLine($"FAIL {name}: {e.GetType().Name}: {e.Message}"); failures++; }
        }
        var rng = new Rng(77);
        var x = Tensor.Randn(rng, 2, 4, 5, 7); var g4 = Tensor.Randn(rng, 4); var b4 = Tensor.Randn(rng, 4);
        Check("group norm", a => NormTests.GroupNormRef(a[0], a[1], a[2], 2, 4, 35, 2, 1e-5), t => Tensor.GroupNorm(t[0], 2, t[1], t[2]), x.Shape, new[] { x, g4, b4 }, 1e-5, 1e-4);
        Check("layer norm channels", a => NormTests.ChannelNormRef(a[0], a[1], a[2], 2, 4, 35, 1e-5), t => Tensor.LayerNormChannels(t[0], t[1], t[2]), x.Shape, new[] { x, g4, b4 }, 1e-5, 1e-4);
        var f2 = Tensor.Randn(rng, 2, 4, 5, 7);
        Check("correlation", a => DeformCorrTests.CorrRef(a[0], a[1], 2, 4, 5, 7, 2), t => Tensor.Correlation(t[0], t[1], 2), new[] { 2, 25, 5, 7 }, new[] { x, f2 }, 1e-4, 1e-4);
        var flow = Tensor.Randn(rng, new[] { 2, 2, 5, 7 }, 1.5f);
        Check("flow warp", a => SamplingTests.GridSampleRef(a[0], a[1], 2, 4, 5, 7, 5, 7, false, GridPadding.Zeros, true), t => Tensor.FlowWarp(t[0], t[1]), x.Shape, new[] { x, flow }, 1e-4, 1e-4);
        Check("resize", a => SamplingTests.ResizeRef(a[0], 2, 4, 5, 7, 9, 4, ResizeMode.Bilinear, false), t => t[0].Resize(9, 4), new[] { 2, 4, 9, 4 }, new[] { x }, 2e-4, 1e-4);
        var off = Tensor.Randn(rng, new[] { 2, 18, 5, 7 }, 1.5f); var m = Tensor.Rand(rng, new[] { 2, 9, 5, 7 }, 0f, 1f); var w = Tensor.Randn(rng, new[] { 3, 4, 3, 3 }, 0.5f);
        Check("deform conv", a => DeformCorrTests.DcnRef(a[0], a[1], a[2], a[3], null, 2, 4, 5, 7, 3, 3, 3, 1, 1, 1, 1), t => Tensor.DeformConv2d(t[0], t[1], t[2], t[3], null, 1, 1), new[] { 2, 3, 5, 7 }, new[] { x, off, m, w }, 1e-4, 1e-4);
        log.WriteLine($"vision ops checked; failures={failures}");
        return failures;
    }
}
