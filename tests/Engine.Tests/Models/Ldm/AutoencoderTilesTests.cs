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
        var pixels = new float[3 * 136 * 200];
        rng.FillUniform(pixels, 0.2f, 0.9f);
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        var x = Tensor.FromArray(pixels, 1, 3, 136, 200);
        var whole = ae.Encode(x);
        var tiled = AutoencoderTiles.Encode(ae, x, tile: 64);
        Assert.That(MaxDiff(tiled, whole), Is.LessThan(1e-5f));
        Assert.That(MaxDiff(AutoencoderTiles.Encode(ae, x, tile: 64, margin: 4), whole), Is.GreaterThan(1e-4f), "a margin below the receptive field shows at the seams");

        var wholeImage = ae.Decode(whole).Image;
        Assert.That(MaxDiff(AutoencoderTiles.DecodeImage(ae, whole, tile: 16), wholeImage), Is.LessThan(1e-5f));
        Assert.That(MaxDiff(AutoencoderTiles.DecodeImage(ae, whole, tile: 16, margin: 1), wholeImage), Is.GreaterThan(1e-4f), "a margin below the receptive field shows at the seams");
    }
}
