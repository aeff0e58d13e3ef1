using HdrOfx.Engine.Parallelism;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// The work splits (outer over images vs threaded GEMM, channel-parallel col2im, chunked parameter gradients) give the
/// same results for 1, 2 and 3 threads, within fp32 summation-order noise (1e-5 relative), and bit-identical results
/// when repeated with the same thread count.
/// </summary>
[NonParallelizable]
public class VisionThreadingTests
{
    private static float[][] RunAll()
    {
        var x = Randn(1, 1, 8, 22, 22).RequireGrad();
        var off = (Randn(2, 1, 18, 22, 22) * 1.5f).RequireGrad();
        var m = Rand(3, new[] { 1, 9, 22, 22 }, 0f, 1f).RequireGrad();
        var w = Randn(4, 4, 8, 3, 3).RequireGrad();
        var gm = Randn(5, 8).RequireGrad();
        var flow = Randn(6, 1, 2, 22, 22).RequireGrad();
        var y = Tensor.DeformConv2d(x, off, m, w, null, 1, 1);
        var n1 = Tensor.GroupNorm(x, 2, gm);
        var n2 = Tensor.LayerNormChannels(x, gm);
        var fw = Tensor.FlowWarp(x, flow);
        var cr = Tensor.Correlation(x, x, 2);
        var loss = (y * y).Sum() + (n1 * n2).Sum() + (fw * fw).Sum() + cr.Sum();
        loss.Backward();
        return new[] { y.ToArray(), n1.ToArray(), n2.ToArray(), x.Grad!.ToArray(), off.Grad!.ToArray(), m.Grad!.ToArray(), w.Grad!.ToArray(), gm.Grad!.ToArray(), flow.Grad!.ToArray() };
    }

    [Test]
    public void ThreadCountsAgree_AndRepeatsAreBitIdentical()
    {
        int saved = ParallelRange.MaxThreads;
        try
        {
            ParallelRange.MaxThreads = 1;
            var one = RunAll();
            foreach (int t in new[] { 2, 3 })
            {
                ParallelRange.MaxThreads = t;
                var a = RunAll();
                var b = RunAll();
                for (int i = 0; i < a.Length; i++)
                {
                    Assert.That(b[i], Is.EqualTo(a[i]), $"threads={t}: output {i} not reproducible");
                    Close(a[i], one[i].Select(v => (double)v).ToArray(), 1e-5, $"threads={t} vs 1, output {i}");
                }
            }
        }
        finally { ParallelRange.MaxThreads = saved; }
    }
}
