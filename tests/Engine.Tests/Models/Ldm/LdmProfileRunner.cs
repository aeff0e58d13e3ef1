using System.Diagnostics;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors.Profiling;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Ldm;

/// <summary>
/// On demand: dotnet test --filter "FullyQualifiedName~LdmProfileRunner" --logger "console;verbosity=normal".
/// One `hdr-ldm` frame with the shipped weights after a warm-up frame: the time of the condition encoder, each
/// denoiser step and the decoder, and every kernel call by stage.
/// </summary>
[Explicit("profile; run on demand")]
public class LdmProfileRunner
{
    [TestCase(1920, 1080, 2)]
    public void Profile(int w, int h, int steps)
    {
        string path = Path.Combine(Path.GetDirectoryName(TcamProfileRunnerPaths.ShippedTcam)!, LdmWeights.FileName);
        using var model = LdmWeights.Load(path);
        var method = new HdrLdmReconstruction(model);
        var frame = TcamProfileRunnerPaths.Window(w, h)[1]!;
        var options = new ReconstructOptions { Method = HdrLdmReconstruction.MethodName, DiffusionSteps = steps };
        method.Reconstruct([frame], 0, options, default);
        var sw = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        using (OpProfiler.Start()) method.Reconstruct([frame], 0, options, default);
        TestContext.Out.WriteLine($"{w}x{h}, {steps} steps: {sw.Elapsed.TotalSeconds:F2} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F2} s CPU; load {File.ReadAllText("/proc/loadavg").Trim()}");
        TestContext.Out.WriteLine(OpProfiler.Report());
    }
}

internal static class TcamProfileRunnerPaths
{
    public static string ShippedTcam => HdrOfx.Engine.Tests.Models.TcamProfileRunner.ShippedWeights;

    public static FrameInput?[] Window(int w, int h) => HdrOfx.Engine.Tests.Models.TcamProfileRunner.Window(w, h);
}
