using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Ldm;

public class AutoencoderTilesTests
{
    private static float MaxDiff(Tensor a, Tensor b)
    {
        Assert.That(a.Shape, Is.EqualTo(b.Shape));
        var (x, y) = (a.ToArray(), b.ToArray());
        float m = 0;
        for (int i = 0; i < x.Length; i++) m = MathF.Max(m, MathF.Abs(x[i] - y[i]));
        return m;
    }

    [Test]
    public void TilesWithTheMarginGiveTheWholeFramePass()
    {
        using var ae = new LatentAutoencoder(LdmConfig.Compact, new Rng(21));
        var rng = new Rng(5);
        foreach (var (name, p) in ae.NamedParameters().Where(e => e.Key.StartsWith("decoder.7.", StringComparison.Ordinal)))
            rng.FillUniform(p.Span, -0.1f, 0.1f); // the decoder's zero-initialized last convolution, so seams would show
        var pixels = new float[3 * 136 * 200];
        rng.FillUniform(pixels, 0.2f, 0.9f);
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        var x = Tensor.FromArray(pixels, 1, 3, 136, 200);
        var whole = ae.Encode(x);
        var tiled = AutoencoderTiles.Encode(ae, x, tile: 64);
        Assert.That(MaxDiff(tiled, whole), Is.LessThan(1e-5f));
        Assert.That(MaxDiff(AutoencoderTiles.Encode(ae, x, tile: 64, margin: 8), whole), Is.GreaterThan(1e-4f), "a margin below the receptive field shows at the seams");

        var wholeImage = ae.Decode(whole, x).Image;
        Assert.That(MaxDiff(AutoencoderTiles.DecodeImage(ae, whole, x, tile: 16), wholeImage), Is.LessThan(1e-6f));
        Assert.That(MaxDiff(AutoencoderTiles.DecodeImage(ae, whole, x, tile: 16, margin: 2), wholeImage), Is.GreaterThan(1e-5f), "a margin below the receptive field shows at the seams");
    }
}
