using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Png;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>`hdrofx reconstruct` with one EV (single-exposure footage) and with several: each method refuses what it cannot take.</summary>
[Parallelizable(ParallelScope.Children)]
public class SingleExposureCliTests
{
    internal static string Input()
    {
        string d = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(d, "in"));
        Directory.CreateDirectory(Path.Combine(d, "out"));
        var img = new ImageF(16, 8, 3);
        Array.Fill(img.Data, 0.5f);
        for (int t = 0; t < 2; t++) PngWriter.Write(Path.Combine(d, "in", $"f.{t:0000}.png"), img, 8);
        return d;
    }

    private static void ExpectRefusal(string ev, string method, string message)
    {
        string d = Input();
        var r = CliProcess.Run(["reconstruct", "--input", Path.Combine(d, "in", "f.%04d.png"), "--ev", ev, "--method", method,
            "--output", Path.Combine(d, "out", "h.%04d.exr"), "--models", Path.Combine(d, "no-models")]);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.StdErr);
        Assert.That(r.ErrLines, Has.One.StartsWith("hdrofx reconstruct: error: ").And.Contains(message), r.StdErr);
        Assert.That(Directory.GetFiles(Path.Combine(d, "out")), Is.Empty);
    }

    [TestCase("classical")]
    [TestCase("tcam")]
    public void Several_exposure_methods_refuse_one_ev(string method) =>
        ExpectRefusal("0", method, $"method '{method}' needs alternating exposures (2 or 3 EVs); single-exposure footage (one EV) needs method 'hdr-ldm'");

    [Test]
    public void Hdr_ldm_refuses_several_evs() =>
        ExpectRefusal("-1,1", "hdr-ldm", "method 'hdr-ldm' reconstructs single-exposure footage (one EV)");

    [Test]
    public void Hdr_ldm_without_weights_names_the_file() =>
        ExpectRefusal("0", "hdr-ldm", "hdr-ldm.safetensors");
}
