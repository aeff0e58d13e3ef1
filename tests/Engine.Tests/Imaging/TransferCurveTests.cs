using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Imaging;

public class TransferCurveTests
{
    private static readonly TransferFunction[] Curves = [TransferFunction.Srgb, TransferFunction.Rec709, TransferFunction.Gamma22];

    /// <summary>The curves written out independently in float64 from the standards (IEC 61966-2-1, BT.709, gamma 2.2).</summary>
    private static double Reference(TransferFunction tf, double v) => tf switch
    {
        TransferFunction.Srgb => v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4),
        TransferFunction.Rec709 => v < 0.081 ? v / 4.5 : Math.Pow((v + 0.099) / 1.099, 1 / 0.45),
        TransferFunction.Gamma22 => Math.Pow(v, 2.2),
        _ => v,
    };

    /// <summary>A dense grid of [0, 1], every float in a window around each knee, and the ends.</summary>
    private static float[] Inputs()
    {
        var v = new List<float>();
        const int n = 1 << 20;
        for (int i = 0; i <= n; i++) v.Add(i / (float)n);
        foreach (float knee in new[] { 0.04045f, 0.081f, 0f, 1f })
        {
            float x = knee;
            for (int k = 0; k < 64; k++) x = MathF.BitDecrement(x);
            for (int k = 0; k < 129; k++, x = MathF.BitIncrement(x))
                if (x >= 0f && x <= 1f) v.Add(x);
        }
        v.AddRange([1e-30f, 1e-38f, float.Epsilon, 1e-7f, 0.5f]);
        return v.ToArray();
    }

    [TestCaseSource(nameof(Curves))]
    public void Scalar_curve_is_within_4e_7_of_the_float64_standard(TransferFunction tf)
    {
        var c = TransferCurve.For(tf);
        Assert.That(c.IsIdentity, Is.False);
        double worst = 0, worstRel = 0;
        foreach (float v in Inputs())
        {
            double exact = Reference(tf, v);
            double err = Math.Abs(c.Apply(v) - exact);
            worst = Math.Max(worst, err);
            if (exact > 1e-3) worstRel = Math.Max(worstRel, err / exact);
        }
        Assert.That(worst, Is.LessThanOrEqualTo(4e-7), "absolute");
        Assert.That(worstRel, Is.LessThanOrEqualTo(2e-6), "relative, above 1e-3");
        Assert.That(c.Apply(0f), Is.EqualTo(0f));
        Assert.That(c.Apply(1f), Is.EqualTo(1f).Within(3e-7f));
    }

    [TestCaseSource(nameof(Curves))]
    public void Scalar_curve_agrees_with_TransferFunctions_ToLinear(TransferFunction tf)
    {
        var c = TransferCurve.For(tf);
        foreach (float v in Inputs())
            Assert.That(c.Apply(v), Is.EqualTo(TransferFunctions.ToLinear(tf, v)).Within(5e-7f), $"v = {v:R}");
    }

    [TestCaseSource(nameof(Curves))]
    public void Vector_curve_equals_the_scalar_curve_to_the_bit(TransferFunction tf)
    {
        if (!Avx2.IsSupported || !Fma.IsSupported) Prerequisite.Missing("this CPU has no AVX2/FMA: only the scalar curve runs");
        var c = TransferCurve.For(tf);
        var v = Inputs();
        int n = v.Length / 8 * 8;
        for (int i = 0; i < n; i += 8)
        {
            var got = c.Apply(Vector256.Create(v, i));
            for (int k = 0; k < 8; k++)
            {
                float s = c.Apply(v[i + k]);
                if (BitConverter.SingleToInt32Bits(got.GetElement(k)) != BitConverter.SingleToInt32Bits(s))
                    Assert.Fail($"{tf} v = {v[i + k]:R}: vector {got.GetElement(k):R}, scalar {s:R}");
            }
        }
    }

    [Test]
    public void Linear_is_the_identity_and_unknown_values_are_refused()
    {
        Assert.That(TransferCurve.For(TransferFunction.Linear).IsIdentity, Is.True);
        Assert.Throws<ArgumentOutOfRangeException>(() => TransferCurve.For((TransferFunction)42));
    }
}
