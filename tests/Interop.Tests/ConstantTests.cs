using System.Reflection;
using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;
using NUnit.Framework;

namespace HdrOfx.Interop.Tests;

[TestFixture]
public class ConstantTests
{
    private static IEnumerable<(string Name, string Value)> StringConstants() =>
        new[] { typeof(OfxActions), typeof(OfxProps), typeof(OfxImageEffectProps), typeof(OfxClipProps), typeof(OfxImageProps),
                typeof(OfxValues), typeof(OfxParamProps), typeof(OfxMessageTypes), typeof(OfxSuiteNames) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => ($"{t.Name}.{f.Name}", (string)f.GetRawConstantValue()!)));

    [Test]
    public void Every_string_constant_is_printable_ascii_without_spaces()
    {
        foreach (var (name, value) in StringConstants())
        {
            Assert.That(value, Is.Not.Empty, name);
            Assert.That(value.All(ch => ch > ' ' && ch < 127), value, name);
        }
    }

    [Test]
    public void Within_one_class_values_are_unique_but_the_header_aliases()
    {
        string[] aliases = ["OfxActions.DescribeInteract", "OfxActions.CreateInstanceInteract", "OfxActions.DestroyInstanceInteract"];
        foreach (var g in StringConstants().Where(c => !aliases.Contains(c.Name)).GroupBy(c => c.Name[..c.Name.IndexOf('.')]))
        {
            var dup = g.GroupBy(c => c.Value).Where(x => x.Count() > 1).Select(x => x.Key).ToList();
            Assert.That(dup, Is.Empty, g.Key);
        }
    }

    // Values that differ from their macro names (HeaderConformanceTests checks all against the headers).
    [TestCase(OfxImageEffectProps.SupportsMultipleClipDepths, "OfxImageEffectPropMultipleClipDepths")]
    [TestCase(OfxImageEffectProps.ProjectPixelAspectRatio, "OfxImageEffectPropPixelAspectRatio")]
    [TestCase(OfxActions.DescribeInteract, "OfxActionDescribe")]
    [TestCase(OfxValues.PreMultiplied, "OfxImageAlphaPremultiplied")]
    [TestCase(OfxValues.UnPreMultiplied, "OfxImageAlphaUnPremultiplied")]
    [TestCase(OfxValues.FieldNone, "OfxFieldNone")]
    [TestCase(OfxValues.FieldLower, "OfxFieldLower")]
    [TestCase(OfxParamProps.Persistant, "OfxParamPropPersistant")]
    [TestCase(OfxImageEffectProps.SupportsTiles, "OfxImageEffectPropSupportsTiles")]
    [TestCase(OfxImageEffectProps.RenderThreadSafety, "OfxImageEffectPluginRenderThreadSafety")]
    [TestCase(OfxImageEffectProps.PluginGrouping, "OfxImageEffectPluginPropGrouping")]
    [TestCase(OfxImageEffectProps.FrameVarying, "OfxImageEffectFrameVarying")]
    [TestCase(OfxClipProps.RoIPrefix, "OfxImageClipPropRoI_")]
    [TestCase(OfxClipProps.FrameRangePrefix, "OfxImageClipPropFrameRange_")]
    [TestCase(OfxProps.PluginFilePath, "OfxPluginPropFilePath")]
    [TestCase(OfxValues.SimpleSourceClipName, "Source")]
    [TestCase(OfxValues.OutputClipName, "Output")]
    [TestCase(OfxSuiteNames.ImageEffectPluginApi, "OfxImageEffectPluginAPI")]
    [TestCase(OfxSuiteNames.OpenGLRender, "OfxImageEffectOpenGLRenderSuite")]
    [TestCase(OfxProps.TypeHost, "OfxTypeImageEffectHost")]
    public void Irregular_values(string actual, string expected) => Assert.That(actual, Is.EqualTo(expected));

    [Test]
    public void Status_codes_match_the_headers()
    {
        Assert.That(new[] { OfxStatus.OK, OfxStatus.Failed, OfxStatus.ErrFatal, OfxStatus.ErrUnknown, OfxStatus.ErrMissingHostFeature,
            OfxStatus.ErrUnsupported, OfxStatus.ErrExists, OfxStatus.ErrFormat, OfxStatus.ErrMemory, OfxStatus.ErrBadHandle,
            OfxStatus.ErrBadIndex, OfxStatus.ErrValue, OfxStatus.ReplyYes, OfxStatus.ReplyNo, OfxStatus.ReplyDefault },
            Is.EqualTo(Enumerable.Range(0, 15).ToArray()));
        Assert.That(OfxStatus.ErrImageFormat, Is.EqualTo(1000));
        Assert.That(OfxStatus.Name(OfxStatus.ErrBadHandle), Is.EqualTo("kOfxStatErrBadHandle"));
    }

    [Test]
    public unsafe void Interned_strings_are_stable_nul_terminated_utf8()
    {
        byte* a = OfxStrings.Intern("OfxPropTime");
        byte* b = OfxStrings.Intern(new string("OfxPropTime".ToCharArray()));
        Assert.That((nint)a, Is.EqualTo((nint)b));
        Assert.That(OfxStrings.Copy(a), Is.EqualTo("OfxPropTime"));
        Assert.That(a[11], Is.EqualTo(0));
        byte* u = OfxStrings.Intern("Belichtung \u00e4");
        Assert.That(OfxStrings.Copy(u), Is.EqualTo("Belichtung \u00e4"));
        Assert.That(OfxStrings.EqualsAscii(a, "OfxPropTime"), Is.True);
        Assert.That(OfxStrings.EqualsAscii(a, "OfxPropTim"), Is.False);
        Assert.That(OfxStrings.EqualsAscii(a, "OfxPropTimes"), Is.False);
    }

    [Test]
    public void RectI_intersection()
    {
        var a = new OfxRectI(0, 0, 10, 10);
        Assert.That(a.Intersect(new OfxRectI(5, -3, 20, 4)), Is.EqualTo(new OfxRectI(5, 0, 10, 4)));
        Assert.That(a.Intersect(new OfxRectI(10, 0, 20, 10)).IsEmpty, Is.True);
        Assert.That(a.Contains(new OfxRectI(1, 1, 10, 10)), Is.True);
    }

    [Test]
    public void Without_a_host_the_multithread_bodies_run_here_in_order_and_the_first_error_stops_the_rest()
    {
        Assert.That(HostMultiThread.Threads, Is.EqualTo(1));
        var seen = new List<int>();
        HostMultiThread.Run(5, seen.Add);
        Assert.That(seen, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        seen.Clear();
        var ex = Assert.Throws<InvalidOperationException>(() => HostMultiThread.Run(5, i =>
        {
            seen.Add(i);
            if (i == 1) throw new InvalidOperationException("band 1");
        }));
        Assert.That(ex!.Message, Is.EqualTo("band 1"));
        Assert.That(seen, Is.EqualTo(new[] { 0, 1 }));
    }
}
