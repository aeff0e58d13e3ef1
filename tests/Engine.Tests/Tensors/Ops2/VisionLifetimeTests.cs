using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// The composed ops (attention, L2 normalize, SSIM) free their intermediates under NoGrad and keep them when
/// recording; both paths must give the same values and survive a TensorScope.
/// </summary>
public class VisionLifetimeTests
{
    [Test]
    public void ComposedOps_SameValuesWithAndWithoutGrad_InsideScopes()
    {
        var q = Randn(1, 2, 2, 6, 4); var k = Randn(2, 2, 2, 6, 4); var v = Randn(3, 2, 2, 6, 4);
        var temp = Tensor.Ones(2, 1, 1);
        var img = Rand(4, new[] { 1, 2, 12, 12 }, 0f, 1f); var img2 = Rand(5, new[] { 1, 2, 12, 12 }, 0f, 1f);
        float[] a1, c1; float s1;
        using (GradMode.NoGrad())
        using (new TensorScope())
        {
            a1 = Tensor.ScaledDotProductAttention(q, k, v).ToArray();
            c1 = Tensor.ChannelAttention(q, k, v, temp).ToArray();
            s1 = Tensor.SsimLoss(img, img2).Item();
        }
        using (new TensorScope())
        {
            var ql = q.Clone().RequireGrad(); var il = img.Clone().RequireGrad();
            var a = Tensor.ScaledDotProductAttention(ql, k, v);
            var c = Tensor.ChannelAttention(ql, k, v, temp);
            var s = Tensor.SsimLoss(il, img2);
            Assert.That(a.ToArray(), Is.EqualTo(a1));
            Assert.That(c.ToArray(), Is.EqualTo(c1));
            Assert.That(s.Item(), Is.EqualTo(s1));
            var loss = a.Sum() + c.Sum() + s;
            loss.Backward();
            Assert.That(ql.Grad, Is.Not.Null);
            Assert.That(il.Grad!.ToArray().Any(x => x != 0f), Is.True);
            ql.Grad!.Dispose(); il.Grad.Dispose();
        }
    }

    [Test]
    public void VisionOps_RunUnderNoGradWithoutRecording()
    {
        var x = Randn(6, 1, 4, 8, 8).RequireGrad();
        using var _ = GradMode.NoGrad();
        var outs = new[]
        {
            Tensor.GroupNorm(x, 2), Tensor.LayerNormChannels(x), x.AvgPool2d(2), x.MaxPool2d(2), x.Resize(5, 11),
            Tensor.Correlation(x, x, 1), Tensor.FlowWarp(x, Tensor.Zeros(1, 2, 8, 8)),
        };
        foreach (var o in outs) Assert.That(o.RequiresGrad, Is.False);
    }
}
