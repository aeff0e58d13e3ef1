using NUnit.Framework;

namespace HdrOfx.Interop.Tests;

/// <summary>tests/Shared/Prerequisite, which every test project uses for what a machine may lack.</summary>
[TestFixture, NonParallelizable]
public class PrerequisiteTests
{
    [Test]
    public void A_missing_prerequisite_fails_where_CI_is_true_and_skips_elsewhere_but_a_missing_GPU_always_skips()
    {
        string? before = Environment.GetEnvironmentVariable("CI");
        try
        {
            Environment.SetEnvironmentVariable("CI", "true");
            var e = Assert.Throws<AssertionException>(() => Prerequisite.Missing("tool X is not installed"));
            Assert.That(e!.Message, Does.Contain("tool X is not installed").And.Contain("CI=true"));
            Assert.Throws<IgnoreException>(() => Prerequisite.NoGpu("no usable CUDA device"));
            Environment.SetEnvironmentVariable("CI", null);
            Assert.Throws<IgnoreException>(() => Prerequisite.Missing("tool X is not installed"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CI", before);
        }
    }
}
