using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Synthesis;

/// <summary>Alternating-exposure patterns of DESIGN §3. EVs are symmetric around 0, so GT units (EV 0) sit in the middle.</summary>
public enum SynthPattern
{
    /// <summary>Two exposures, 2 stops apart: EVs {−1, +1} (ratio 4).</summary>
    TwoGap2,
    /// <summary>Two exposures, 3 stops apart: EVs {−1.5, +1.5} (ratio 8).</summary>
    TwoGap3,
    /// <summary>Three exposures: EVs {−2, 0, +2}.</summary>
    Three,
}

/// <summary>Which exposure the global HDR scale is chosen from (DESIGN §4, "Exposure normalization").</summary>
public enum NormalizationMode
{
    /// <summary>Low or high reference with probability ½ each, drawn from the seed.</summary>
    Random,
    /// <summary>The lowest exposure clips at max(H)·U(0.1, 1).</summary>
    LowReference,
    /// <summary>The highest exposure clips at the p-th percentile of H, p ~ U(98, 100).</summary>
    HighReference,
}

public enum ResampleKind
{
    /// <summary>Catmull–Rom bicubic, clamped to the 2×2 neighbourhood's range (no ringing, never negative).</summary>
    Bicubic,
    Bilinear,
}

/// <summary>
/// Everything that defines a synthetic clip besides the source images. All members have defaults;
/// the same options, sources and <see cref="Seed"/> give a bit-identical clip. Distances are in output pixels,
/// angles in degrees, times in frames. See docs/synthesis.md for the model.
/// </summary>
public sealed record SynthOptions
{
    public ulong Seed { get; init; } = 1;
    public int Frames { get; init; } = 12;

    /// <summary>Output size; null = the background's size (native resolution, e.g. 512×256 from a 512×256 panorama).</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }

    // ---- exposure -------------------------------------------------------------------------------------------
    public SynthPattern Pattern { get; init; } = SynthPattern.TwoGap2;
    /// <summary>Timeline frame n holds slot (n + Phase) mod Length (<see cref="ExposurePattern"/>).</summary>
    public int Phase { get; init; }
    public NormalizationMode Normalization { get; init; } = NormalizationMode.Random;
    /// <summary>
    /// Guard against sun-dominated panoramas (max/median ~1e4): if the chosen scale leaves the median of the
    /// highest exposure below this linear sensor value, the scale is raised to meet it (more clipping, recorded
    /// in the manifest). 0 disables it and follows DESIGN §4 literally.
    /// </summary>
    public double MinHighExposureMedian { get; init; } = 0.02;

    // ---- camera ---------------------------------------------------------------------------------------------
    /// <summary>Camera pan speed in output px/frame (the actual speed is U(0.5, 1)× this, mostly horizontal).</summary>
    public double PanSpeed { get; init; } = 2.0;
    /// <summary>Magnification at the widest point of the clip (output px per background px); &gt; 1 leaves vertical margin for shake.</summary>
    public double BaseZoom { get; init; } = 1.15;
    /// <summary>Zoom drift in log-scale per frame (actual U(0.5, 1)× this, random sign; zoom never goes below BaseZoom).</summary>
    public double ZoomRate { get; init; } = 0.004;
    /// <summary>Roll speed in degrees/frame (actual U(−1, 1)× this).</summary>
    public double RotationSpeed { get; init; } = 0.1;
    /// <summary>Handheld shake: RMS translation in output px (sum of three smooth sinusoids per axis).</summary>
    public double ShakeAmplitude { get; init; } = 0.75;
    /// <summary>Handheld shake: RMS roll in degrees.</summary>
    public double ShakeRotation { get; init; } = 0.1;
    /// <summary>Keystone (perspective) amount: the homography's w varies by ±this across the frame width.</summary>
    public double Perspective { get; init; } = 0.01;

    // ---- foreground -----------------------------------------------------------------------------------------
    public bool Foreground { get; init; } = true;
    public int ForegroundCount { get; init; } = 1;
    /// <summary>Foreground speed in output px/frame, relative to the background's apparent motion (actual U(0.6, 1)× this).</summary>
    public double ForegroundSpeed { get; init; } = 3.0;
    /// <summary>Foreground height as a fraction of the output height (actual U(0.7, 1)× this).</summary>
    public double ForegroundSize { get; init; } = 0.4;
    /// <summary>Width in px of the foreground's anti-aliased edge; 0 = hard edge.</summary>
    public double ForegroundEdge { get; init; } = 1.5;

    // ---- camera response, noise, blur, quantization --------------------------------------------------------
    public CrfKind Crf { get; init; } = CrfKind.Gamma22;
    public bool Noise { get; init; } = true;
    /// <summary>Read-noise σ in linear sensor units, drawn once per clip from U(min, max) (DESIGN §4: U(1e-4, 3e-3), i.e. σ/e in HDR units).</summary>
    public double NoiseSigmaMin { get; init; } = 1e-4;
    public double NoiseSigmaMax { get; init; } = 3e-3;
    /// <summary>Shot-noise gain a (sensor units per photo-electron), drawn from U(0, max): x → a·Poisson(x/a). 0 = Gaussian only.</summary>
    public double ShotNoiseMax { get; init; } = 5e-5;
    /// <summary>DESIGN §4 puts noise on the low and middle exposures only; true also adds it to the highest exposure.</summary>
    public bool NoiseOnAllExposures { get; init; }
    public bool MotionBlur { get; init; }
    /// <summary>Sub-frame samples per frame when <see cref="MotionBlur"/> is on.</summary>
    public int BlurSamples { get; init; } = 8;
    /// <summary>Shutter of the longest exposure as a fraction of the frame interval; shorter exposures scale by e/e_max.</summary>
    public double Shutter { get; init; } = 0.5;
    /// <summary>When blur is on, make GT the shutter-averaged radiance instead of the sharp mid-shutter frame.</summary>
    public bool BlurredGroundTruth { get; init; }
    public int BitDepth { get; init; } = 8;
    public ResampleKind Resample { get; init; } = ResampleKind.Bicubic;

    /// <summary>Ask the writer for ground-truth flow (<see cref="SyntheticClip.FlowPairs"/>); flow can be computed either way.</summary>
    public bool Flow { get; init; }

    /// <summary>Parallelism for frame rendering; results do not depend on it. ≤ 0 = all cores.</summary>
    public int MaxThreads { get; init; }

    /// <summary>The pattern's EVs, slot order.</summary>
    public double[] PatternEvs() => Pattern switch
    {
        SynthPattern.TwoGap2 => [-1.0, 1.0],
        SynthPattern.TwoGap3 => [-1.5, 1.5],
        SynthPattern.Three => [-2.0, 0.0, 2.0],
        _ => throw new ArgumentOutOfRangeException(nameof(Pattern), $"unknown pattern {Pattern}"),
    };

    public ExposurePattern ExposurePattern() => new(PatternEvs(), Phase);

    /// <summary>Throws ArgumentException naming the first invalid option.</summary>
    public void Validate()
    {
        static void Check(bool ok, string msg) { if (!ok) throw new ArgumentException(msg); }
        static bool Finite(double v) => double.IsFinite(v);
        Check(Frames is >= 1 and <= 100_000, $"Frames = {Frames} must be in 1..100000");
        Check(Width is null or (>= 8 and <= 16384), $"Width = {Width} must be in 8..16384");
        Check(Height is null or (>= 8 and <= 16384), $"Height = {Height} must be in 8..16384");
        Check(Enum.IsDefined(Pattern), $"unknown pattern {Pattern}");
        Check(Phase >= 0, $"Phase = {Phase} must be >= 0");
        Check(Enum.IsDefined(Normalization), $"unknown normalization {Normalization}");
        Check(Finite(MinHighExposureMedian) && MinHighExposureMedian is >= 0 and < 1, $"MinHighExposureMedian = {MinHighExposureMedian} must be in [0, 1)");
        Check(Finite(PanSpeed) && PanSpeed >= 0, $"PanSpeed = {PanSpeed} must be >= 0");
        Check(Finite(BaseZoom) && BaseZoom is >= 0.25 and <= 16, $"BaseZoom = {BaseZoom} must be in [0.25, 16]");
        Check(Finite(ZoomRate) && ZoomRate is >= 0 and <= 0.1, $"ZoomRate = {ZoomRate} must be in [0, 0.1]");
        Check(Finite(RotationSpeed) && RotationSpeed is >= 0 and <= 10, $"RotationSpeed = {RotationSpeed} must be in [0, 10]");
        Check(Finite(ShakeAmplitude) && ShakeAmplitude >= 0, $"ShakeAmplitude = {ShakeAmplitude} must be >= 0");
        Check(Finite(ShakeRotation) && ShakeRotation is >= 0 and <= 10, $"ShakeRotation = {ShakeRotation} must be in [0, 10]");
        Check(Finite(Perspective) && Perspective is >= 0 and <= 0.2, $"Perspective = {Perspective} must be in [0, 0.2]");
        Check(ForegroundCount is >= 0 and <= 16, $"ForegroundCount = {ForegroundCount} must be in 0..16");
        Check(Finite(ForegroundSpeed) && ForegroundSpeed >= 0, $"ForegroundSpeed = {ForegroundSpeed} must be >= 0");
        Check(Finite(ForegroundSize) && ForegroundSize is > 0 and <= 1, $"ForegroundSize = {ForegroundSize} must be in (0, 1]");
        Check(Finite(ForegroundEdge) && ForegroundEdge is >= 0 and <= 32, $"ForegroundEdge = {ForegroundEdge} must be in [0, 32]");
        Check(Enum.IsDefined(Crf), $"unknown CRF {Crf}");
        Check(Finite(NoiseSigmaMin) && Finite(NoiseSigmaMax) && NoiseSigmaMin >= 0 && NoiseSigmaMax >= NoiseSigmaMin && NoiseSigmaMax <= 0.5,
            $"noise σ range [{NoiseSigmaMin}, {NoiseSigmaMax}] must satisfy 0 <= min <= max <= 0.5");
        Check(Finite(ShotNoiseMax) && ShotNoiseMax is >= 0 and <= 0.1, $"ShotNoiseMax = {ShotNoiseMax} must be in [0, 0.1]");
        Check(BlurSamples is >= 1 and <= 256, $"BlurSamples = {BlurSamples} must be in 1..256");
        Check(Finite(Shutter) && Shutter is >= 0 and <= 1, $"Shutter = {Shutter} must be in [0, 1]");
        Check(BitDepth is >= 8 and <= 16, $"BitDepth = {BitDepth} must be in 8..16");
        Check(Enum.IsDefined(Resample), $"unknown resampling {Resample}");
    }
}
