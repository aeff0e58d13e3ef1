using System.Diagnostics;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;

namespace HdrOfx.Plugin.Tests;

[TestFixture]
public class BundleTests
{
    private static string Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return o;
    }

    /// <summary>The built binary of bundle <paramref name="name"/> (built first when stale).</summary>
    private static string Binary(string name)
    {
        _ = BundleFixture.Hdr;
        return LoadedPlugin.BinaryPath(Path.Combine(Path.GetDirectoryName(BundleFixture.HdrBundle)!, name + ".ofx.bundle"));
    }

    [Test]
    public void Bundle_has_the_layout_hosts_scan_for()
    {
        _ = BundleFixture.Hdr;
        string b = BundleFixture.HdrBundle;
        Assert.That(File.Exists(Path.Combine(b, "Contents", "Info.plist")));
        Assert.That(File.Exists(Path.Combine(b, "Contents", "Linux-x86-64", "HdrReconstruct.ofx")), "binary named after the bundle");
        Assert.That(File.Exists(Path.Combine(b, "Contents", "Resources", "org.hdrofx.HdrReconstruct.png")), "icon named after the identifier");
        var png = File.ReadAllBytes(Path.Combine(b, "Contents", "Resources", "org.hdrofx.HdrReconstruct.png"));
        Assert.That(png[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        string plist = File.ReadAllText(Path.Combine(b, "Contents", "Info.plist"));
        Assert.That(plist, Does.Contain("<string>HdrReconstruct.ofx</string>"));
        Assert.That(plist, Does.Contain("org.hdrofx.HdrReconstruct"));
    }

    [TestCase("HdrReconstruct")]
    [TestCase("GainExample")]
    public void Binary_exports_exactly_the_OFX_entry_points_and_resolves_everything(string name)
    {
        string bin = Binary(name);
        string nm = Run("nm", $"-D --defined-only \"{bin}\"");
        var symbols = nm.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 3 && p[1] != "A")
            .Select(p => (Kind: p[1], Name: p[2].Split('@')[0]))
            .ToList();
        var functions = symbols.Where(s => s.Kind is "T" or "t" or "W" or "i").Select(s => s.Name).OrderBy(s => s).ToList();
        Assert.That(functions, Is.EqualTo(new[] { "OfxGetNumberOfPlugins", "OfxGetPlugin", "OfxSetHost" }), nm);
        // The only other dynamic symbol is the NativeAOT runtime's debugger header (data, not code).
        var data = symbols.Where(s => s.Kind is not ("T" or "t" or "W" or "i")).Select(s => s.Name).ToList();
        Assert.That(data, Is.SubsetOf(new[] { "DotNetRuntimeDebugHeader" }), nm);
        string ldd = Run("ldd", $"-r \"{bin}\"");
        Assert.That(ldd, Does.Not.Contain("undefined symbol"), ldd);
        Assert.That(ldd, Does.Not.Contain("not found"), ldd);
    }

    [TestCase("HdrReconstruct")]
    [TestCase("GainExample")]
    public void Binary_stays_mapped_when_a_host_unloads_it(string name)
    {
        string dyn = Run("readelf", $"-d \"{Binary(name)}\"");
        // -z nodelete: dlclose() leaves the NativeAOT runtime mapped while its threads live (HostSupportTests unloads it).
        Assert.That(dyn.Split('\n').Where(l => l.Contains("(FLAGS_1)")), Has.Some.Contains("NODELETE"), dyn);
    }

    [Test]
    public void Loads_like_a_host_does()
    {
        var p = BundleFixture.Hdr;
        Assert.That(p.Identifier, Is.EqualTo("org.hdrofx.HdrReconstruct"));
        unsafe
        {
            Assert.That(p.Plugin->PluginVersionMajor, Is.EqualTo(1u));
            Assert.That(p.Plugin->PluginVersionMinor, Is.EqualTo(2u));
        }
        Assert.That(p.SetHostStatus, Is.EqualTo(Ofx.OK));
        Assert.That(p.LoadStatus, Is.EqualTo(Ofx.OK));
        Assert.That(p.DescribeStatus, Is.EqualTo(Ofx.OK));
        Assert.That(p.Contexts.Keys, Is.EquivalentTo(new[] { OfxValues.ContextFilter, OfxValues.ContextGeneral }));
        Assert.That(OfxTestHost.SuitesFetched, Does.Contain("OfxPropertySuite v1"));
        Assert.That(OfxTestHost.SuitesFetched, Does.Contain("OfxParameterSuite v1"));
        Assert.That(OfxTestHost.SuitesFetched, Does.Contain("OfxMessageSuite v2"));
    }
}
