using System.Globalization;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// One clip of the fixed synthetic benchmark. Indices refer to the caller's panorama list sorted by name (ordinal).
/// Reconstruct it with <c>--transfer {Transfer} --evs {EvList} --phase {Phase}</c>.
/// </summary>
public sealed record BenchmarkClipSpec(string Name, int BackgroundIndex, int ForegroundIndex, SynthOptions Options, string Transfer)
{
    /// <summary>Slot EVs as the CLI spells them, e.g. "-1,1" or "-2,0,2".</summary>
    public string EvList => string.Join(",", Options.PatternEvs().Select(e => e.ToString("R", CultureInfo.InvariantCulture)));

    public int Phase => Options.Phase;
}

/// <summary>
/// The fixed, seeded synthetic benchmark: 16 clips of 512×256×12 frames, one background panorama each (indices 0–15),
/// foregrounds cut from another panorama, 2-exposure (2 and 3 stop gaps) and 3-exposure patterns with all phases,
/// gamma 2.2 or sRGB camera response (so <c>--transfer gamma2.2</c>/<c>srgb</c> linearizes them exactly), read + shot
/// noise on the low/middle exposures, 8/10/12-bit quantization, moderate motion (camera ≤ 2 px/frame plus shake,
/// foreground ≤ 3 px/frame relative to it), no motion blur (GT is the sharp frame). Changing anything here changes
/// the benchmark: bump <see cref="Version"/>.
/// </summary>
public static class SyntheticBenchmark
{
    public const string Version = "synth-bench/1";
    public const int ClipCount = 16;
    public const int Width = 512, Height = 256, Frames = 12;

    /// <summary>How many panoramas the caller must pass (indices 0 .. RequiredPanoramas − 1 are used).</summary>
    public static int RequiredPanoramas { get; } = 16;

    public static IReadOnlyList<BenchmarkClipSpec> Specs { get; } = Build();

    private static BenchmarkClipSpec[] Build()
    {
        var specs = new BenchmarkClipSpec[ClipCount];
        for (int i = 0; i < ClipCount; i++)
        {
            var pattern = (SynthPattern)(i % 3);
            int slots = pattern == SynthPattern.Three ? 3 : 2;
            var crf = i % 2 == 0 ? CrfKind.Gamma22 : CrfKind.Srgb;
            int bits = i % 8 == 7 ? 12 : i % 4 == 3 ? 10 : 8;
            var o = new SynthOptions
            {
                Seed = 20260000UL + (ulong)i,
                Frames = Frames,
                Width = Width,
                Height = Height,
                Pattern = pattern,
                Phase = (i / 3) % slots,
                Normalization = NormalizationMode.Random,
                PanSpeed = 2.0,
                ZoomRate = 0.004,
                RotationSpeed = 0.1,
                ShakeAmplitude = 0.75,
                ShakeRotation = 0.1,
                Perspective = 0.01,
                Foreground = true,
                ForegroundCount = i % 5 == 4 ? 2 : 1,
                ForegroundSpeed = 3.0,
                Crf = crf,
                Noise = true,
                MotionBlur = false,
                BitDepth = bits,
                Flow = true,
            };
            string patternName = pattern switch { SynthPattern.TwoGap2 => "2x2stop", SynthPattern.TwoGap3 => "2x3stop", _ => "3x2stop" };
            string crfName = crf == CrfKind.Gamma22 ? "gamma22" : "srgb";
            int fg = (i + 8) % RequiredPanoramas;
            specs[i] = new BenchmarkClipSpec($"bench{i:00}-{patternName}-{crfName}-{bits}bit", i % RequiredPanoramas, fg, o,
                (crf == CrfKind.Gamma22 ? Crf.Gamma22 : Crf.Srgb).TransferName!);
        }
        return specs;
    }

    /// <summary>
    /// Generates one benchmark clip from the caller's panoramas (sorted by name, at least
    /// <see cref="RequiredPanoramas"/>; each at least 512×256 is expected, 512×256 being native).
    /// </summary>
    public static SyntheticClip Generate(BenchmarkClipSpec spec, IReadOnlyList<ImageF> panoramas, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(panoramas);
        if (panoramas.Count < RequiredPanoramas)
            throw new ArgumentException($"the synthetic benchmark needs {RequiredPanoramas} panoramas, got {panoramas.Count}");
        if (names is not null && names.Count != panoramas.Count)
            throw new ArgumentException($"{names.Count} names for {panoramas.Count} panoramas");
        return ClipSynthesizer.Generate(spec.Options, panoramas[spec.BackgroundIndex], panoramas[spec.ForegroundIndex],
            names?[spec.BackgroundIndex], names?[spec.ForegroundIndex]);
    }
}
