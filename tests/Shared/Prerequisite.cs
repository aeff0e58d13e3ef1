using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using NUnit.Framework;

namespace HdrOfx.Tests;

/// <summary>
/// What a test does when something it needs is not on the machine. With CI=true a missing tool, bundle, host or
/// header folder fails the test, so CI never passes by skipping; elsewhere the test is skipped with the reason.
/// Only a missing GPU may be skipped in CI (<see cref="NoGpu"/>).
/// </summary>
public static class Prerequisite
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    [DoesNotReturn]
    public static void Missing(string what)
    {
        if (InCi) Assert.Fail($"{what} (CI=true: a missing prerequisite fails the test instead of skipping it)");
        Assert.Ignore(what);
        throw new UnreachableException();
    }

    /// <summary>The one skip allowed in CI: the test needs a GPU (or a real GPU driver) this machine does not have.</summary>
    [DoesNotReturn]
    public static void NoGpu(string why)
    {
        Assert.Ignore(why);
        throw new UnreachableException();
    }
}
