using HdrOfx.Engine.IO.Hdri;
using HdrOfx.Engine.Synthesis;

namespace HdrOfx.Engine.Training;

/// <summary>
/// The fixed split by panorama (DESIGN §5). The validation panoramas are never used in training, neither as
/// background nor as foreground. They are indices 0, 5, 8 and 13 of the sorted list, chosen so that four
/// synth-bench/1 clips use them alone (clip i has background i and foreground (i + 8) mod 16):
/// bench00 (apartment/lobby, 2 exposures, 2 stops), bench05 (forest/sunrise, 3 exposures),
/// bench08 (lobby/apartment, 3 exposures) and bench13 (sunrise/forest, 2 exposures, 3 stops).
/// Neural results are reported on those four clips only.
/// </summary>
public static class PanoramaSplit
{
    public static readonly IReadOnlyList<string> Validation = ["apartment", "forest", "lobby", "sunrise"];

    public static readonly IReadOnlyList<int> ValidationClips = [0, 5, 8, 13];

    public static IReadOnlyList<string> Training { get; } = HdriCatalog.Names.Where(n => !Validation.Contains(n)).ToArray();

    public static bool IsValidation(string name) => Validation.Contains(name);

    /// <summary>
    /// Four synth-bench/1 clips made from training panoramas alone (background and foreground), for choosing inference
    /// settings (such as the DDIM start) without looking at the validation clips: bench02, bench07, bench09, bench14.
    /// </summary>
    public static readonly IReadOnlyList<int> TuningClips = [2, 7, 9, 14];

    public static IReadOnlyList<BenchmarkClipSpec> TuningSpecs() => TuningClips.Select(i => SyntheticBenchmark.Specs[i]).ToArray();

    /// <summary>The benchmark specs of the validation clips.</summary>
    public static IReadOnlyList<BenchmarkClipSpec> ValidationSpecs() => ValidationClips.Select(i => SyntheticBenchmark.Specs[i]).ToArray();

    public static string Describe() =>
        $"validation panoramas (never trained on): {string.Join(", ", Validation)}; validation clips: " +
        $"{string.Join(", ", ValidationClips.Select(i => SyntheticBenchmark.Specs[i].Name))} ({SyntheticBenchmark.Version}); " +
        $"training panoramas: {string.Join(", ", Training)}";
}
