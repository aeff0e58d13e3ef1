using HdrOfx.Dev.Benchmarks;
using HdrOfx.Engine.Nn;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Nn;

/// <summary>On demand: dotnet test --filter "FullyQualifiedName~NnBenchmarkRunner" --logger "console;verbosity=normal".</summary>
[Explicit("benchmark; run on demand")]
public class NnBenchmarkRunner
{
    [Test]
    public void UNetTrainStep128()
    {
        TestContext.Out.WriteLine($"{Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        TestContext.Out.WriteLine(NnBenchmarks.UNetTrainStep(size: 128, batch: 4, baseChannels: 16, warmup: 2, steps: 7).ToString());
    }
}
