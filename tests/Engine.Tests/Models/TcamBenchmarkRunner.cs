using System.Diagnostics;
using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>
/// On demand: dotnet test --filter "FullyQualifiedName~TcamBenchmarkRunner" --logger "console;verbosity=normal".
/// Times `classical` and `tcam` (compact; weights do not change the cost) on a 3-frame 2-exposure window, and the
/// tensor arena's growth after the first frames (memory per frame must stay bounded).
/// </summary>
[Explicit("benchmark; run on demand")]
public class TcamBenchmarkRunner
{
    [TestCase(960, 540, 3)]
    [TestCase(1920, 1080, 3)]
    public void TcamFrame(int w, int h, int frames)
    {
        var window = TcamProfileRunner.Window(w, h);
        using var net = new TcamNet(TcamConfig.Compact, new Rng(1));
        var tcam = new TcamReconstruction(net);
        var classical = new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow);
        TestContext.Out.WriteLine($"{Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, load {File.ReadAllText("/proc/loadavg").Trim()}");
        var sw = Stopwatch.StartNew();
        classical.Reconstruct(window, 1, new ReconstructOptions(), default);
        TestContext.Out.WriteLine($"{w}x{h} classical: {sw.Elapsed.TotalSeconds:F2} s");
        long arenaAfterFirst = 0;
        for (int f = 0; f < frames; f++)
        {
            sw.Restart();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            tcam.Reconstruct(window, 1, new ReconstructOptions(), default);
            double cpuS = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            if (f == 0) arenaAfterFirst = TensorArena.BytesAllocated;
            TestContext.Out.WriteLine($"{w}x{h} tcam frame {f}: {sw.Elapsed.TotalSeconds:F2} s wall, {cpuS:F2} s CPU, arena {TensorArena.BytesAllocated / (1 << 20)} MiB, process {Process.GetCurrentProcess().WorkingSet64 / (1 << 20)} MiB, peak {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB, load {File.ReadAllText("/proc/loadavg").Trim()}");
        }
        Assert.That(TensorArena.BytesAllocated, Is.EqualTo(arenaAfterFirst), "the arena stops growing after the first frame");
    }
}
