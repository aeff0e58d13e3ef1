using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Testing;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;

namespace HdrOfx.Plugin.Tests;

/// <summary>Registers the methods before any test of this assembly runs, whichever runs first.</summary>
[SetUpFixture]
public sealed class MethodRegistration
{
    [OneTimeSetUp]
    public void Register() => TestSupport.RegisterMethods();
}

/// <summary>Helpers shared by the plug-in tests: instances configured like a user would, renders to arrays.</summary>
public static class TestSupport
{
    /// <summary>
    /// Tolerance for plug-in vs engine: |a − b| ≤ 1e-5 (1 + |b|). Both run the same float code; the reference linearizes with
    /// the exact curve where the plug-in uses <c>TransferCurve</c> (within 4e-7), which the methods carry to at most 2e-6
    /// (classical and tcam alike; test-merge is exact).
    /// </summary>
    public const double Tolerance = 1e-5;

    static TestSupport() => RegisterMethods();

    /// <summary>The methods the plug-in registers at load, registered in this process too (the engine side of the comparisons).</summary>
    public static void RegisterMethods()
    {
        ClassicalMethods.Register();
        TestMethods.Register();
        HdrOfx.Engine.Models.TcamMethods.Register();
        HdrOfx.Engine.Models.Ldm.LdmMethods.Register();
        HdrOfx.Engine.Models.Zica.HdrVDiffMethods.Register();
        HdrOfx.Engine.Models.TcamWeights.Directory = ShippedModels;
    }

    /// <summary>The weights the shipped bundle carries, which the plug-in loads from its Resources/models.</summary>
    public static string ShippedModels => BundleFixture.SourceModels;

    /// <summary>
    /// The shipped HDR-LDM weights (bundle/Contents/Resources/models/hdr-ldm.safetensors); a test that needs them is skipped
    /// without them (fails where CI=true).
    /// </summary>
    public static string ShippedLdmWeights()
    {
        string path = Path.Combine(ShippedModels, HdrOfx.Engine.Models.Ldm.LdmWeights.FileName);
        if (!File.Exists(path)) Prerequisite.Missing($"{path} is not there: the HDR-LDM weights are not shipped yet");
        return path;
    }

    public static LoadedPlugin Hdr => BundleFixture.Hdr;

    public static HostInstance Create(FrameSource src, RefSettings s, string context = OfxValues.ContextFilter)
    {
        var inst = Hdr.CreateInstance(context, src);
        Apply(inst, s);
        Assert.That(Hdr.ClipPreferences(inst, out _), Is.EqualTo(Ofx.OK));
        return inst;
    }

    public static void Apply(HostInstance inst, RefSettings s)
    {
        inst.Param(HdrParams.InputMode).SetValue(s.PatternLength == 1 ? HdrParams.InputModeSingle : HdrParams.InputModeAlternating);
        inst.Param(HdrParams.Pattern).SetValue(s.PatternLength == 3 ? 1 : 0);
        inst.Param(HdrParams.Phase).SetValue(s.Phase);
        inst.Param(HdrParams.Radius).SetValue(s.Radius);
        inst.Param(HdrParams.InputTransfer).SetValue((int)s.Transfer);
        inst.Param(HdrParams.MethodOverride).SetString(s.Method);
        inst.Param(HdrParams.OutputExposure).SetValue(s.OutputExposure);
        inst.Param(HdrParams.OutputEncoding).SetValue((int)s.Encoding);
        inst.Param(HdrParams.Diagnostic).SetValue(s.Diagnostic);
        inst.Param(HdrParams.LdmSteps).SetValue(s.DiffusionSteps);
        inst.Param(HdrParams.HighlightRecovery).SetValue(s.HighlightRecovery);
        inst.Param(HdrParams.PriorStrength).SetValue(s.PriorStrength);
    }

    /// <summary>Renders time t, asserts the status, returns RGBA (row 0 = y 0).</summary>
    public static float[] Render(HostInstance inst, int t, int expectStatus = Ofx.OK)
    {
        int st = Hdr.Render(inst, t, out var output);
        using (output)
        {
            Assert.That(st, Is.EqualTo(expectStatus), $"render({t}) status; messages: {string.Join(" | ", OfxTestHost.MessagesFor(inst.Handle).Select(m => m.Text))}");
            return output.ToArray();
        }
    }

    /// <summary>Renders frames 1..n of one instance on n threads released together; returns statuses and RGBA outputs.</summary>
    public static (int[] Statuses, float[][] Outputs) RenderConcurrently(HostInstance inst, int n)
    {
        var outputs = new float[n][];
        var statuses = new int[n];
        using var start = new Barrier(n);
        var threads = Enumerable.Range(0, n).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            statuses[i] = Hdr.Render(inst, i + 1, out var o);
            using (o) outputs[i] = o.ToArray();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return (statuses, outputs);
    }

    public static void AssertClose(float[] actual, float[] expected, string what)
    {
        double e = Reference.MaxRelError(actual, expected);
        Assert.That(e, Is.LessThanOrEqualTo(Tolerance), $"{what}: max relative error {e}");
    }

    public static void AssertHostHealthy()
    {
        Assert.That(OfxTestHost.LiveImages, Is.EqualTo(0), "images not released");
        Assert.That(OfxTestHost.HostErrors, Is.Empty, "host-side errors");
    }

    public static List<HostMessage> Errors(HostInstance inst) =>
        OfxTestHost.MessagesFor(inst.Handle).Where(m => m.Type is OfxMessageTypes.Error or OfxMessageTypes.Fatal).ToList();
}
