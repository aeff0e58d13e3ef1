using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;

namespace HdrOfx.Plugin.Tests;

/// <summary>What the plug-in is configured with, for the reference computation.</summary>
public sealed record RefSettings
{
    public int PatternLength { get; init; } = 2;
    public int Phase { get; init; }
    public int Radius { get; init; } // 0 = auto
    public TransferFunction Transfer { get; init; } = TransferFunction.Srgb;
    public string Method { get; init; } = Testing.TestMethods.Merge;
    public double OutputExposure { get; init; }
    public OutputEncodingKind Encoding { get; init; }
    public int Diagnostic { get; init; }
    /// <summary>Diffusion Steps and Highlight Recovery (HDR-LDM), at the parameters' defaults unless set.</summary>
    public int DiffusionSteps { get; init; } = Engine.Models.Ldm.DdimSampler.DefaultSteps;
    public double HighlightRecovery { get; init; } = 1;
    /// <summary>HDR-V-Diff's Prior Strength (λ) at the render's time.</summary>
    public double PriorStrength { get; init; } = 1;
    /// <summary>EV of a slot at a time (keyframes); defaults to the parameter defaults.</summary>
    public Func<int, double, double> EvAt { get; init; } = (slot, t) => new[] { -2.0, 0.0, 2.0 }[slot];
    /// <summary>PatternLength 1 is the single-exposure input mode: always radius 0.</summary>
    public int EffectiveRadius => PatternLength == 1 ? 0 : Radius > 0 ? Radius : (PatternLength >= 3 ? 2 : 1);
}

/// <summary>
/// The reference for a render: the same frames the plug-in should fetch, linearized by the
/// documented rule (linear = f⁻¹(clamp(v, 0, 1)) of the value the host delivers), run through the
/// engine's Reconstructor directly, then exposure and encoding. This is what `hdrofx reconstruct`
/// does with the same clip and settings.
/// </summary>
public static class Reference
{
    /// <summary>The value a host of this depth delivers for an encoded value.</summary>
    public static float Delivered(float v, string depth) => depth switch
    {
        OfxValues.BitDepthByte => HostImages.Quantize8(v) / 255f,
        OfxValues.BitDepthShort => HostImages.Quantize16(v) / 65535f,
        _ => v,
    };

    /// <summary>Frame <paramref name="frame"/> linearized, as the engine holds it: top row first (OFX row y is engine row H − 1 − y).</summary>
    public static ImageF Linear(FrameSource src, int frame, TransferFunction tf)
    {
        var rgba = src.Frame(frame);
        var img = new ImageF(src.Width, src.Height, 3);
        for (int y = 0; y < src.Height; y++)
            for (int x = 0; x < src.Width; x++)
                for (int c = 0; c < 3; c++)
                    img[c, src.Height - 1 - y, x] = TransferFunctions.ToLinear(tf, Math.Clamp(Delivered(rgba[(y * src.Width + x) * 4 + c], src.Depth), 0f, 1f));
        return img;
    }

    /// <summary>
    /// Expected RGBA output (row 0 = y 0) of rendering time t; missing frames are given by <paramref name="isMissing"/>.
    /// <paramref name="method"/>, when given, runs instead of the registered method <see cref="RefSettings.Method"/> names
    /// (a model the test built and put where the plug-in reads it).
    /// </summary>
    public static float[] Render(FrameSource src, RefSettings s, int t, Func<int, bool>? isMissing = null, IReconstructionMethod? method = null)
    {
        int r = s.EffectiveRadius;
        var frames = new FrameInput?[2 * r + 1];
        for (int k = -r; k <= r; k++)
        {
            int f = t + k;
            if (f < src.First || f > src.Last || (k != 0 && isMissing?.Invoke(f) == true)) continue;
            int slot = (f + s.Phase) % s.PatternLength;
            frames[k + r] = new FrameInput(Linear(src, f, s.Transfer), s.EvAt(slot, f));
        }
        var options = new ReconstructOptions
        {
            Method = s.Method, Diagnostics = s.Diagnostic != 0, DiffusionSteps = s.DiffusionSteps, HighlightRecovery = (float)s.HighlightRecovery,
            PriorStrength = (float)s.PriorStrength,
        };
        var result = method?.Reconstruct(frames, r, options, default) ?? Reconstructor.Reconstruct(frames, r, options);
        float gain = (float)Math.Pow(2.0, s.OutputExposure);
        var o = new float[src.Width * src.Height * 4];
        var rgba = src.Frame(t);
        bool rgb = src.Components == OfxValues.ComponentRGB;
        for (int y = 0; y < src.Height; y++)
            for (int x = 0; x < src.Width; x++)
            {
                int p = y * src.Width + x, row = src.Height - 1 - y;
                for (int c = 0; c < 3; c++)
                {
                    o[p * 4 + c] = s.Diagnostic switch
                    {
                        1 => result.SaturationMask![0, row, x],
                        2 => result.Confidence![0, row, x],
                        _ => OutputEncoding.Encode(s.Encoding, result.Hdr[c, row, x] * gain),
                    };
                }
                o[p * 4 + 3] = rgb ? 1f : Delivered(rgba[p * 4 + 3], src.Depth);
            }
        return o;
    }

    /// <summary>Largest |a − b| / (1 + |b|).</summary>
    public static double MaxRelError(float[] actual, float[] expected)
    {
        if (actual.Length != expected.Length) return double.PositiveInfinity;
        double m = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]) / (1 + Math.Abs(expected[i]));
            if (double.IsNaN(d)) return double.PositiveInfinity;
            m = Math.Max(m, d);
        }
        return m;
    }
}
