using System.Diagnostics;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.HostSupport.OfxHostRun;

namespace HdrOfx.Plugin.Tests.HostSupport;

/// <summary>
/// The plug-in (in the HostSupport host and in the in-repo test host) and `hdrofx reconstruct` give the same pixels for
/// the same frames and settings, to the bit, for float, short and byte input, with the shipped methods chosen by the
/// Method parameter (`tcam` with the bundle's weights, which the CLI also ships beside its executable). The
/// frames are ofxhostrun's moving scene with a clipped sky at the top, where a flipped frame order showed (issue 10).
/// </summary>
[TestFixture, NonParallelizable]
public class CliParityTests
{
    private const int W = 96, H = 64, Last = 5;
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("hdrofx-parity-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private string Frame(string name, int t, string ext = "pfm") => Path.Combine(_dir, $"{name}.{t:D4}.{ext}");

    /// <summary>Renders through HostSupport at <paramref name="depth"/>; returns the frames it handed the plug-in and its outputs (top row first).</summary>
    private (ImageF[] Input, ImageF[] Output) HostSupportRender(string depth, string method)
    {
        var r = Run("-g", "-W", $"{W}", "-H", $"{H}", "--ev", "-2,2", "-f", "0", "-l", $"{Last}", "-d", depth, "-j", "2",
            "-p", "ev0=-2", "-p", "ev1=2", "-p", $"{HdrParams.Method}={MethodIndex(method)}", "--dump-input", Path.Combine(_dir, "in.%04d.pfm"), "-o", Path.Combine(_dir, "hs.%04d.pfm"), HdrId).Expect(0);
        Assert.That(r.Frames, Has.Count.EqualTo(Last + 1), r.Log);
        return (Enumerable.Range(0, Last + 1).Select(t => Pfm.Read(Frame("in", t))).ToArray(),
                Enumerable.Range(0, Last + 1).Select(t => Pfm.Read(Frame("hs", t))).ToArray());
    }

    private static int MethodIndex(string method) => Array.IndexOf(HdrParams.MethodNames, method);

    private ImageF[] CliRender(ImageF[] input, string method)
    {
        for (int t = 0; t <= Last; t++) ExrWriter.Write(Frame("in", t, "exr"), input[t], ExrPixelType.Float);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { CliDll(), "reconstruct", "-i", Path.Combine(_dir, "in.%04d.exr"), "--ev", "-2,2", "--phase", "0",
                     "--transfer", "srgb", "--method", method, "-o", Path.Combine(_dir, "cli.%04d.exr"), "--exr-type", "float" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(300_000), "hdrofx reconstruct finished");
        Assert.That(p.ExitCode, Is.EqualTo(0), stdout + err.Result);
        return Enumerable.Range(0, Last + 1).Select(t => ExrReader.Read(Frame("cli", t, "exr"))).ToArray();
    }

    private static string CliDll()
    {
        string config = TestContext.CurrentContext.TestDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string dll = Path.Combine(BundleFixture.RepoRoot, "src", "Cli", "bin", config, "net9.0", "hdrofx.dll");
        if (!File.Exists(dll)) Prerequisite.Missing($"{dll} is not built (dotnet build HdrOfx.sln)");
        return dll;
    }

    /// <summary>The same frames through the in-repo test host (its rows bottom-up, as OFX has them).</summary>
    private static ImageF[] TestHostRender(ImageF[] input, string method)
    {
        var src = new FrameSource
        {
            Width = W, Height = H, First = 0, Last = Last,
            Frame = t =>
            {
                var rgba = new float[W * H * 4];
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                    {
                        for (int c = 0; c < 3; c++) rgba[(y * W + x) * 4 + c] = input[t][c, H - 1 - y, x];
                        rgba[(y * W + x) * 4 + 3] = 1f;
                    }
                return rgba;
            },
        };
        var inst = TestSupport.Create(src, new RefSettings { Method = "" });
        try
        {
            inst.Param(HdrParams.Ev[0]).SetValue(-2);
            inst.Param(HdrParams.Ev[1]).SetValue(2);
            inst.Param(HdrParams.Method).SetValue(MethodIndex(method));
            return Enumerable.Range(0, Last + 1).Select(t =>
            {
                var rgba = TestSupport.Render(inst, t);
                var img = new ImageF(W, H, 3);
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                        for (int c = 0; c < 3; c++) img[c, H - 1 - y, x] = rgba[(y * W + x) * 4 + c];
                return img;
            }).ToArray();
        }
        finally
        {
            TestSupport.Hdr.Destroy(inst);
        }
    }

    private static void AssertSame(ImageF[] actual, ImageF[] expected, string what, double tolerance)
    {
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.That(actual[t].Width, Is.EqualTo(expected[t].Width));
            Assert.That(actual[t].Height, Is.EqualTo(expected[t].Height));
            double worst = 0;
            int at = -1;
            for (int i = 0; i < 3 * expected[t].PlaneSize; i++)
            {
                double d = Math.Abs(actual[t].Data[i] - expected[t].Data[i]) / (1 + Math.Abs(expected[t].Data[i]));
                if (!(d <= worst)) (worst, at) = (d, i);
            }
            Assert.That(worst, Is.LessThanOrEqualTo(tolerance),
                $"{what}, frame {t}: largest relative difference {worst:G3} at sample {at} ({actual[t].Data[Math.Max(at, 0)]} vs {expected[t].Data[Math.Max(at, 0)]})");
        }
    }

    [TestCase("classical")]
    [TestCase("tcam")]
    public void Float_input_gives_identical_pixels_in_both_hosts_and_the_CLI(string method)
    {
        var (input, hostSupport) = HostSupportRender("float", method);
        var cli = CliRender(input, method);
        AssertSame(hostSupport, cli, $"{method}: HostSupport host vs CLI", 0);
        AssertSame(TestHostRender(input, method), cli, $"{method}: test host vs CLI", 0);
        // The scene has a clipped sky at the top: the comparison would see a flipped frame order.
        Assert.That(cli.Max(f => f.Data.Max()), Is.GreaterThan(1.5f), "HDR highlights reconstructed");
    }

    // Byte and short input: the plug-in reads integer codes through Linearizer's code tables, which hold exactly what the
    // CLI computes for the same values as floats (code / max), so these agree to the bit as well.
    [TestCase("short", "classical")]
    [TestCase("byte", "classical")]
    [TestCase("short", "tcam")]
    [TestCase("byte", "tcam")]
    public void Integer_input_gives_identical_pixels_in_the_host_and_the_CLI(string depth, string method)
    {
        var (input, hostSupport) = HostSupportRender(depth, method);
        var cli = CliRender(input, method);
        AssertSame(hostSupport, cli, $"{depth}, {method}: HostSupport host vs CLI", 0);
    }
}
