using System.Runtime.Intrinsics;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>
/// Re-runs the kernel checks in child processes with hardware intrinsics switched off, so the scalar paths
/// (the ones a machine without AVX2/FMA takes) are tested too. See <see cref="FallbackSelfTest"/> for the mechanism.
/// </summary>
[NonParallelizable]
public class FallbackTests
{
    [TestCase("DOTNET_EnableAVX2", "0", "v128")]
    [TestCase("DOTNET_EnableHWIntrinsic", "0", "scalar")]
    public void ScalarFallbackPassesInChildProcess(string key, string value, string gemmKernel)
    {
        var (code, output) = FallbackSelfTest.RunChild((key, value));
        TestContext.Out.WriteLine(output);
        Assert.That(output, Does.Contain("simd=False"), "the child still used the SIMD kernels; the switch was not honoured");
        Assert.That(output, Does.Contain("vector256=False"));
        Assert.That(output, Does.Contain("gemm-kernel=" + gemmKernel));
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("SELFTEST PASSED"));
    }

    [Test]
    public void ChildWithoutSwitchesUsesSimd()
    {
        if (!Vector256.IsHardwareAccelerated) Prerequisite.Missing("this machine has no AVX2");
        var (code, output) = FallbackSelfTest.RunChild();
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("simd=True"));
    }
}
