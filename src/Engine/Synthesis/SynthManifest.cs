using System.Text.Json;
using System.Text.Json.Serialization;

namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// Everything needed to know (and redo) how a synthetic clip was made: seed, options, sources, per-frame
/// exposure, camera response, noise, motion and normalization. Serialized with source-generated JSON
/// (<see cref="SynthManifestJson"/>), so it works under NativeAOT.
/// </summary>
public sealed class SynthManifest
{
    /// <summary>Bumped whenever the same options and seed would give different pixels.</summary>
    public const string CurrentVersion = "hdrofx-synth/1";

    public string Version { get; set; } = CurrentVersion;
    public ulong Seed { get; set; }
    public SynthOptions Options { get; set; } = new();
    public string? BackgroundName { get; set; }
    public string? ForegroundName { get; set; }
    public int SourceWidth { get; set; }
    public int SourceHeight { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }
    public int FrameCount { get; set; }
    /// <summary>Slot EVs of the pattern; GT is in units of EV 0 (DESIGN §3).</summary>
    public double[] PatternEvs { get; set; } = [];
    public int Phase { get; set; }
    public Crf Crf { get; set; } = Crf.Gamma22;
    /// <summary>The <c>--transfer</c> name that linearizes the LDR exactly, or null (inverse-sigmoid CRF).</summary>
    public string? TransferName { get; set; }
    public int BitDepth { get; set; }
    public SynthNormalization Normalization { get; set; } = new();
    public SynthNoise Noise { get; set; } = new();
    public CameraPath Camera { get; set; } = new();
    public List<ForegroundLayer> Layers { get; set; } = [];
    public List<SynthFrame> Frames { get; set; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, SynthManifestJson.Default.SynthManifest);

    public static SynthManifest FromJson(string json)
    {
        var m = JsonSerializer.Deserialize(json, SynthManifestJson.Default.SynthManifest)
            ?? throw new FormatException("manifest JSON is null");
        if (!m.Version.StartsWith("hdrofx-synth/", StringComparison.Ordinal))
            throw new FormatException($"not a synthesis manifest: version '{m.Version}'");
        return m;
    }

    /// <summary>The clip's geometry, from which ground-truth flow can be recomputed without images.</summary>
    public SceneMotion Motion() => new(Camera, Layers);
}

/// <summary>How the global HDR scale was chosen (DESIGN §4, "Exposure normalization").</summary>
public sealed class SynthNormalization
{
    /// <summary>LowReference or HighReference (Random resolved).</summary>
    public NormalizationMode Mode { get; set; }
    /// <summary>EV of the exposure whose clip point the peak was mapped to.</summary>
    public double ReferenceEv { get; set; }
    /// <summary>Low reference: the U(0.1, 1) factor on max(H). High reference: unused (1).</summary>
    public double PeakFactor { get; set; } = 1;
    /// <summary>High reference: the percentile in [98, 100]. Low reference: 100.</summary>
    public double Percentile { get; set; } = 100;
    /// <summary>Peak in source radiance units (max over RGB per pixel, frame 0).</summary>
    public double Peak { get; set; }
    public double SourceMax { get; set; }
    public double SourceMedian { get; set; }
    /// <summary>GT = Scale · source radiance.</summary>
    public double Scale { get; set; }
    /// <summary>True when <see cref="SynthOptions.MinHighExposureMedian"/> raised the scale.</summary>
    public bool MedianFloorApplied { get; set; }
}

public sealed class SynthNoise
{
    public bool Enabled { get; set; }
    /// <summary>Read-noise σ in linear sensor units (σ/e in GT units).</summary>
    public double ReadSigma { get; set; }
    /// <summary>Shot-noise gain a: sensor x → a·Poisson(x/a); 0 = none.</summary>
    public double ShotGain { get; set; }
    public int[] NoisySlots { get; set; } = [];
}

public sealed class SynthFrame
{
    public int Index { get; set; }
    public int Slot { get; set; }
    public double Ev { get; set; }
    public bool Noisy { get; set; }
    /// <summary>Shutter as a fraction of the frame interval (0 without motion blur).</summary>
    public double Shutter { get; set; }
    /// <summary>Camera homography at the frame's instant: output pixel → background pixel (row-major 3×3).</summary>
    public double[] Camera { get; set; } = [];
    /// <summary>Per layer: sprite-local → output pixel homography (row-major 3×3).</summary>
    public List<double[]> Layers { get; set; } = [];
}

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SynthManifest))]
[JsonSerializable(typeof(SynthOptions))]
public sealed partial class SynthManifestJson : JsonSerializerContext;
