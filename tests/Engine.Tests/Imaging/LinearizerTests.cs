using System.Runtime.Intrinsics;
using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Imaging;

/// <summary>The one LDR → linear rule of the plug-in and the CLI, against the float64 curves.</summary>
[TestFixture]
public class LinearizerTests
{
    private static readonly TransferFunction[] All = [TransferFunction.Srgb, TransferFunction.Rec709, TransferFunction.Gamma22, TransferFunction.Linear];

    [Test]
    public void Encoded_input_clamps_to_the_unit_range_with_NaN_as_zero()
    {
        var curve = TransferCurve.For(TransferFunction.Srgb);
        Assert.That(Linearizer.Apply(curve, float.NaN), Is.EqualTo(0f));
        Assert.That(Linearizer.Apply(curve, float.PositiveInfinity), Is.EqualTo(1f).Within(4e-7));
        Assert.That(Linearizer.Apply(curve, float.NegativeInfinity), Is.EqualTo(0f));
        Assert.That(Linearizer.Apply(curve, 1.7f), Is.EqualTo(1f).Within(4e-7), "1 is the encoding's clip");
        Assert.That(Linearizer.Apply(curve, -0.3f), Is.EqualTo(0f));
    }

    [Test]
    public void Linear_input_keeps_values_above_one_up_to_the_half_range()
    {
        var curve = TransferCurve.For(TransferFunction.Linear);
        Assert.That(Linearizer.Apply(curve, float.NaN), Is.EqualTo(0f));
        Assert.That(Linearizer.Apply(curve, float.PositiveInfinity), Is.EqualTo(65504f));
        Assert.That(Linearizer.Apply(curve, float.NegativeInfinity), Is.EqualTo(0f));
        Assert.That(Linearizer.Apply(curve, 1.7f), Is.EqualTo(1.7f), "scene-linear input (EXR) is not display-referred");
        Assert.That(Linearizer.Apply(curve, 1e6f), Is.EqualTo(65504f));
        Assert.That(Linearizer.Apply(curve, -0.3f), Is.EqualTo(0f));
        Assert.That(Linearizer.Apply(curve, 0.25f), Is.EqualTo(0.25f));
    }

    [Test]
    public void Scalar_and_vector_agree_to_the_bit_and_stay_near_the_exact_curve([ValueSource(nameof(All))] TransferFunction tf)
    {
        if (!Linearizer.VectorSupported) Prerequisite.Missing("this CPU has no AVX2/FMA: only the scalar form runs");
        var curve = TransferCurve.For(tf);
        var rng = new Random(5);
        var v = new float[4096];
        for (int i = 0; i < v.Length; i++) v[i] = i % 97 == 0 ? float.NaN : (float)(rng.NextDouble() * 1.4 - 0.2);
        for (int i = 0; i + 8 <= v.Length; i += 8)
        {
            var vec = Linearizer.Apply(curve, Vector256.Create(v.AsSpan(i, 8)));
            for (int k = 0; k < 8; k++)
            {
                float s = Linearizer.Apply(curve, v[i + k]);
                Assert.That(BitConverter.SingleToInt32Bits(vec[k]), Is.EqualTo(BitConverter.SingleToInt32Bits(s)), $"{tf} at {v[i + k]}");
                double x = float.IsNaN(v[i + k]) ? 0 : Math.Clamp(v[i + k], 0, tf == TransferFunction.Linear ? 65504 : 1);
                Assert.That(s, Is.EqualTo(TransferFunctions.ToLinear(tf, (float)x)).Within(4e-7), $"{tf} at {v[i + k]}");
            }
        }
    }

    [TestCase(false, 255)]
    [TestCase(true, 65535)]
    public void Code_tables_hold_what_the_float_path_gives_for_code_over_max(bool isShort, int max)
    {
        foreach (var tf in All)
        {
            var table = Linearizer.CodeTable(tf, isShort);
            Assert.That(table, Has.Length.EqualTo(max + 1));
            var curve = TransferCurve.For(tf);
            for (int c = 0; c <= max; c += isShort ? 37 : 1)
                Assert.That(table[c], Is.EqualTo(Linearizer.Apply(curve, c / (float)max)), $"{tf} code {c}");
            Assert.That(table[max], Is.EqualTo(1f).Within(4e-7));
            Assert.That(table[0], Is.EqualTo(0f));
        }
    }

    [Test]
    public void Planar_images_go_through_the_same_rule_and_non_finite_samples_are_counted()
    {
        var enc = new ImageF(19, 3, 4);
        var rng = new Random(9);
        for (int i = 0; i < enc.Data.Length; i++) enc.Data[i] = (float)rng.NextDouble();
        enc.Data[5] = float.NaN;
        enc[1, 2, 18] = float.PositiveInfinity;
        enc[3, 0, 0] = float.NaN; // alpha: dropped, not counted
        var lin = Linearizer.ToLinear(enc, TransferFunction.Srgb, out long nonFinite);
        Assert.That(nonFinite, Is.EqualTo(2));
        Assert.That(lin.Channels, Is.EqualTo(3));
        var curve = TransferCurve.For(TransferFunction.Srgb);
        for (int i = 0; i < lin.Data.Length; i++) Assert.That(lin.Data[i], Is.EqualTo(Linearizer.Apply(curve, enc.Data[i])), $"sample {i}");
    }

    [Test]
    public void FiniteScan_counts_what_a_gain_makes_infinite()
    {
        var d = new float[37];
        d[3] = float.NaN;
        d[20] = 3e38f;
        d[36] = float.NegativeInfinity;
        Assert.That(FiniteScan.CountNonFinite(d), Is.EqualTo(2));
        Assert.That(FiniteScan.CountNonFinite(d, 4f), Is.EqualTo(3), "3e38 × 4 overflows");
        Assert.That(FiniteScan.CountNonFinite(new float[16]), Is.EqualTo(0));
    }
}
