using System.Diagnostics;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>
/// On demand: TCAM_FRAMES (default 30) `tcam` frames with the shipped weights at the given size, printing per frame the
/// wall and CPU time, the tensor arena, the managed heap and the process's resident and peak memory.
/// dotnet test --filter "FullyQualifiedName~TcamLongRunRunner" --logger "console;verbosity=normal".
/// </summary>
[Explicit("benchmark; run on demand")]
public class TcamLongRunRunner
{
    [TestCase(1920, 1080)]
    [TestCase(960, 540)]
    public void Frames(int w, int h)
    {
        int n = int.TryParse(Environment.GetEnvironmentVariable("TCAM_FRAMES"), out int f) ? f : 30;
        var window = TcamProfileRunner.Window(w, h);
        using var net = TcamWeights.Load(TcamProfileRunner.ShippedWeights);
        var tcam = new TcamReconstruction(net);
        var proc = Process.GetCurrentProcess();
        for (int i = 0; i < n; i++)
        {
            var sw = Stopwatch.StartNew();
            var cpu = proc.TotalProcessorTime;
            tcam.Reconstruct(window, 1, new ReconstructOptions(), default);
            proc.Refresh();
            TestContext.Out.WriteLine($"{w}x{h} frame {i}: {sw.Elapsed.TotalSeconds:F2} s wall, {(proc.TotalProcessorTime - cpu).TotalSeconds:F2} s CPU, " +
                $"arena {TensorArena.BytesAllocated >> 20} MiB, heap {GC.GetTotalMemory(false) >> 20} MiB, RSS {proc.WorkingSet64 >> 20} MiB, peak {proc.PeakWorkingSet64 >> 20} MiB, " +
                $"load {File.ReadAllText("/proc/loadavg").Trim()}");
        }
    }
}
