using System.Reflection;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;

namespace HdrOfx.Plugin.Tests;

[TestFixture]
public class DescribeTests
{
    private static HashSet<string> KnownNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in new[] { typeof(OfxProps), typeof(OfxImageEffectProps), typeof(OfxClipProps), typeof(OfxImageProps), typeof(OfxParamProps) })
            foreach (var f in t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
                names.Add((string)f.GetRawConstantValue()!);
        return names;
    }

    [Test]
    public void A_failed_describe_is_reported_with_a_NULL_handle_never_the_descriptor()
    {
        var d = new HostDescriptor("");
        d.Props.Remove(OfxImageEffectProps.SupportedPixelDepths);
        int before = OfxTestHost.Messages.Count;
        int st = TestSupport.Hdr.Call(OfxActions.Describe, d.Handle, null, null);
        Assert.That(st, Is.Not.EqualTo(Ofx.OK));
        var msgs = OfxTestHost.Messages.Skip(before).ToList();
        Assert.That(msgs, Has.Some.Matches<HostMessage>(m => m.Handle == 0 && m.Type == OfxMessageTypes.Error && m.Text.Contains(OfxActions.Describe)),
            string.Join(" | ", msgs.Select(m => $"{m.Handle}: {m.Text}")));
        Assert.That(msgs.Where(m => m.Handle == d.Handle), Is.Empty);
        TestSupport.AssertHostHealthy();
    }

    [Test]
    public void Descriptor_declares_what_Resolve_and_Nuke_need()
    {
        var d = TestSupport.Hdr.Descriptor.Props;
        Assert.That(d.GetString(OfxProps.Label), Is.EqualTo("HDR Reconstruct"));
        Assert.That(d.GetString(OfxImageEffectProps.PluginGrouping), Is.EqualTo("HdrOfx"));
        Assert.That(d.GetStrings(OfxImageEffectProps.SupportedContexts), Is.EquivalentTo(new[] { OfxValues.ContextFilter, OfxValues.ContextGeneral }));
        Assert.That(d.GetStrings(OfxImageEffectProps.SupportedPixelDepths), Does.Contain(OfxValues.BitDepthFloat));
        Assert.That(d.GetString(OfxImageEffectProps.RenderThreadSafety), Is.EqualTo(OfxValues.RenderFullySafe));
        Assert.That(d.GetInt(OfxImageEffectProps.SupportsTiles), Is.EqualTo(0));
        Assert.That(d.GetInt(OfxImageEffectProps.TemporalClipAccess), Is.EqualTo(1));
        Assert.That(d.GetInt(OfxImageEffectProps.SupportsMultiResolution), Is.EqualTo(1));
    }

    [TestCase(OfxValues.ContextFilter)]
    [TestCase(OfxValues.ContextGeneral)]
    public void Clips_and_parameters_are_complete(string context)
    {
        var d = TestSupport.Hdr.Contexts[context];
        Assert.That(d.ClipOrder, Is.EqualTo(new[] { OfxValues.SimpleSourceClipName, OfxValues.OutputClipName }));
        var src = d.Clips[OfxValues.SimpleSourceClipName].Props;
        Assert.That(src.GetInt(OfxImageEffectProps.TemporalClipAccess), Is.EqualTo(1));
        Assert.That(src.GetStrings(OfxImageEffectProps.SupportedComponents), Is.EquivalentTo(new[] { OfxValues.ComponentRGBA, OfxValues.ComponentRGB }));
        Assert.That(d.Clips[OfxValues.OutputClipName].Props.GetStrings(OfxImageEffectProps.SupportedComponents), Is.EqualTo(new[] { OfxValues.ComponentRGBA }));

        var expected = new[] { "inputMode", "pattern", "ev0", "ev1", "ev2", "phase", "inputTransfer", "method", "methodOverride",
            "temporalRadius", "outputExposure", "outputEncoding", "diagnostic" };
        Assert.That(d.Params.Params.Keys, Is.SupersetOf(expected));
        foreach (var name in expected)
        {
            var p = d.Params.Params[name];
            Assert.That(p.Props.GetString(OfxProps.Label), Is.Not.Empty.And.Not.EqualTo(name), $"{name} label");
            Assert.That(p.Props.GetString(OfxParamProps.Hint), Is.Not.Empty, $"{name} hint");
            if (p.Type is OfxParamProps.TypeDouble or OfxParamProps.TypeInteger)
                foreach (var r in new[] { OfxParamProps.Min, OfxParamProps.Max, OfxParamProps.DisplayMin, OfxParamProps.DisplayMax, OfxParamProps.Default })
                    Assert.That(p.Props.Has(r), $"{name} lacks {r} (Resolve clamps without it)");
            if (p.Type == OfxParamProps.TypeChoice)
                Assert.That(p.Props.GetStrings(OfxParamProps.ChoiceOption), Is.Not.Empty, name);
        }
        Assert.That(d.Params.Params["ev1"].Props.GetInt(OfxParamProps.Animates), Is.EqualTo(1));
        Assert.That(d.Params.Params["methodOverride"].Props.GetInt(OfxParamProps.Secret), Is.EqualTo(1));
        Assert.That(HdrParams.MethodNames[d.Params.Params["method"].Props.GetInt(OfxParamProps.Default)], Is.EqualTo("hdr-v-diff"),
            "the default Method is HDR-V-Diff since 1.2 (it beats tcam and classical on the validation clips)");
        var pages = d.Params.Params.Values.Where(p => p.Type == OfxParamProps.TypePage).ToList();
        Assert.That(pages, Has.Count.EqualTo(3));
        var onPages = pages.SelectMany(p => p.Props.GetStrings(OfxParamProps.PageChild)).ToHashSet();
        Assert.That(expected.Where(n => n != "methodOverride"), Is.SubsetOf(onPages));
    }

    [Test]
    public void Plugin_sets_no_misspelt_property()
    {
        var known = KnownNames();
        var sets = new List<HostPropertySet> { TestSupport.Hdr.Descriptor.Props };
        foreach (var d in TestSupport.Hdr.Contexts.Values)
        {
            sets.Add(d.Props);
            sets.AddRange(d.Clips.Values.Select(c => c.Props));
            sets.AddRange(d.Params.Params.Values.Select(p => p.Props));
        }
        foreach (var s in sets)
            Assert.That(s.NamesSetByPlugin.Where(n => !known.Contains(n)), Is.Empty, s.Kind);
    }
}
