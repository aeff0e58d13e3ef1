using HdrOfx.Engine.Imaging;

namespace HdrOfx.Plugin;

/// <summary>Output encodings of the plug-in (the Output Encoding choice, in its order).</summary>
public enum OutputEncodingKind { SceneLinear = 0, Pq = 1, Hlg = 2 }

/// <summary>
/// The plug-in's output encodings on top of the engine's <see cref="HdrEncoding"/> (the same curves the CLI writes):
/// scene-linear 1.0 is reference white (BT.2408), at 203 cd/m² for PQ and 75 % signal for HLG. An output image is a
/// signal, so both clip at their peak (10,000 cd/m² for PQ, E = 1 for HLG): the signal stays in [0, 1].
/// </summary>
public static class OutputEncoding
{
    /// <summary>Scene-linear (1.0 = 203 cd/m²) to a PQ signal in [0, 1].</summary>
    public static float Pq(float linear) =>
        (float)HdrEncoding.PqInverseEotf(Math.Min(linear * HdrEncoding.DefaultReferenceWhiteNits, HdrEncoding.PqPeakNits));

    /// <summary>Scene-linear (1.0 = reference white) to an HLG signal in [0, 1]: 1.0 → 0.75.</summary>
    public static float Hlg(float linear) =>
        (float)HdrEncoding.HlgOetf(Math.Min(linear * HdrEncoding.HlgReferenceWhiteScene, 1.0));

    public static float Encode(OutputEncodingKind kind, float linear) => kind switch
    {
        OutputEncodingKind.Pq => Pq(linear),
        OutputEncodingKind.Hlg => Hlg(linear),
        _ => linear,
    };
}
