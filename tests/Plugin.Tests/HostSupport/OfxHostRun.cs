using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace HdrOfx.Plugin.Tests.HostSupport;

/// <summary>
/// ofxhostrun, the independent host on the official HostSupport library (shared/ofxhost), run as a child process on the
/// built bundles. scripts/test.sh builds it and names it in HDROFX_OFXHOSTRUN (and the AddressSanitizer build in
/// HDROFX_OFXHOSTRUN_ASAN); without them the tests skip, or fail where CI=true.
/// </summary>
public static partial class OfxHostRun
{
    public const string HdrId = "org.hdrofx.HdrReconstruct";
    public const string GainId = "org.hdrofx.examples.Gain";

    public sealed record Frame(int Time, double Min, double Max, double Mean, long NonFinite, int NullFetches);

    public sealed partial record Result(int ExitCode, string StdOut, string StdErr)
    {
        public IReadOnlyList<Frame> Frames => FrameLine().Matches(StdErr).Select(m => new Frame(
            int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), D(m.Groups[3]), D(m.Groups[4]), D(m.Groups[5]),
            long.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();

        public IReadOnlyList<int> Failed => FailedLine().Matches(StdErr).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

        /// <summary>The summary's "images not released" and "bad-handle" counts (-1 when there is no summary).</summary>
        public long ImagesNotReleased => Summary(@"images not released (\d+)");
        public long BadHandleMessages => Summary(@"(\d+) bad-handle");

        private long Summary(string pattern)
        {
            var m = Regex.Match(StdErr, pattern);
            return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        }

        public string Log => $"exit {ExitCode}\n{StdOut}\n{StdErr}";

        private static double D(Group g) => double.Parse(g.Value, CultureInfo.InvariantCulture);

        [GeneratedRegex(@"frame (-?\d+): [\d.]+ ms \(host fetch [\d.]+ ms; Source fetched at \[[^\]]*\], (\d+) NULL\) out min (\S+) max (\S+) mean (\S+), >1: [\d.]+%, non-finite (\d+)")]
        private static partial Regex FrameLine();

        [GeneratedRegex(@"frame (-?\d+): render FAILED")]
        private static partial Regex FailedLine();
    }

    public static string Binary => Tool("HDROFX_OFXHOSTRUN");
    public static string AsanBinary => Tool("HDROFX_OFXHOSTRUN_ASAN");

    private static string Tool(string env)
    {
        var path = Environment.GetEnvironmentVariable(env);
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
            Prerequisite.Missing($"{env} does not name a built ofxhostrun (scripts/test.sh builds shared/ofxhost)");
        return path!;
    }

    private static string? _pluginPath;

    /// <summary>A folder holding the two built bundles (links), for OFX_PLUGIN_PATH.</summary>
    public static string PluginPath
    {
        get
        {
            if (_pluginPath != null) return _pluginPath;
            _ = TestSupport.Hdr; // builds the bundles when stale
            var dir = Directory.CreateTempSubdirectory("hdrofx-ofx-plugins-").FullName;
            foreach (var b in new[] { BundleFixture.HdrBundle, BundleFixture.GainBundle })
                File.CreateSymbolicLink(Path.Combine(dir, Path.GetFileName(b)), b);
            return _pluginPath = dir;
        }
    }

    /// <summary>Runs a host with the bundles on OFX_PLUGIN_PATH; <paramref name="env"/> adds variables (the test hooks).</summary>
    public static Result Run(string binary, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, int timeoutSeconds = 120)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OFX_PLUGIN_PATH"] = PluginPath;
        psi.Environment.Remove("HDROFX_TEST_METHODS");
        psi.Environment.Remove("HDROFX_TIMINGS");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(true);
            Assert.Fail($"ofxhostrun {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(params string[] args) => Run(Binary, args);

    /// <summary>Test methods (test-merge, test-throw) and the test hooks of the plug-in.</summary>
    public static readonly IReadOnlyDictionary<string, string> TestHooks = new Dictionary<string, string> { ["HDROFX_TEST_METHODS"] = "1" };

    /// <summary>Fails unless the process ended by itself with one of <paramref name="codes"/> (a signal, e.g. 139, never).</summary>
    public static Result Expect(this Result r, params int[] codes)
    {
        Assert.That(r.ExitCode, Is.AnyOf(codes.Cast<object>().ToArray()), r.Log);
        return r;
    }
}
