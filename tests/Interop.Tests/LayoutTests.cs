using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;
using NUnit.Framework;

namespace HdrOfx.Interop.Tests;

/// <summary>
/// Size and field offsets of every bound struct against the C compiler's layout of the official headers:
/// layout/ofx_layout.c includes them from shared/ofxhost/openfx/include and is compiled here with the system C compiler.
/// </summary>
[TestFixture]
public class LayoutTests
{
    private static Dictionary<string, long>? _c;

    private static Dictionary<string, long> CLayout()
    {
        if (_c != null) return _c;
        string include = OfxHeaders.Official().Folder;
        string cc = FindCompiler() ?? Missing("no C compiler (cc/gcc/clang) on PATH");
        string src = Path.Combine(TestContext.CurrentContext.TestDirectory, "layout", "ofx_layout.c");
        string exe = Path.Combine(Path.GetTempPath(), $"ofx_layout_{Environment.ProcessId}");
        Run(cc, $"-std=c99 -Wall -Werror -I \"{include}\" -o \"{exe}\" \"{src}\"");
        string output = Run(exe, "");
        File.Delete(exe);
        var d = new Dictionary<string, long>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            d[parts[0] + " " + parts[1]] = long.Parse(parts[2]);
        }
        return _c = d;
    }

    private static string Missing(string what)
    {
        Prerequisite.Missing(what);
        return "";
    }

    private static string? FindCompiler()
    {
        foreach (var name in new[] { "cc", "gcc", "clang" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return null;
    }

    private static string Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd();
        string e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}): {e}");
        return o;
    }

    public static IEnumerable<Type> BoundStructs() =>
    [
        typeof(OfxPointI), typeof(OfxPointD), typeof(OfxRangeI), typeof(OfxRangeD), typeof(OfxRectI), typeof(OfxRectD),
        typeof(OfxRGBAColourB), typeof(OfxRGBAColourS), typeof(OfxRGBAColourF), typeof(OfxRGBAColourD),
        typeof(OfxRGBColourB), typeof(OfxRGBColourS), typeof(OfxRGBColourF), typeof(OfxRGBColourD),
        typeof(OfxYUVAColourB), typeof(OfxYUVAColourS), typeof(OfxYUVAColourF),
        typeof(OfxHost), typeof(OfxPlugin),
        typeof(OfxPropertySuiteV1), typeof(OfxImageEffectSuiteV1), typeof(OfxParameterSuiteV1), typeof(OfxMemorySuiteV1),
        typeof(OfxMultiThreadSuiteV1), typeof(OfxMessageSuiteV1), typeof(OfxMessageSuiteV2), typeof(OfxProgressSuiteV1),
        typeof(OfxProgressSuiteV2), typeof(OfxTimeLineSuiteV1), typeof(OfxImageEffectOpenGLRenderSuiteV1),
    ];

    private static int SizeOf(Type t) => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;

    /// <summary>The C# field for a C member: PascalCase of its name (a record struct's backing field counts).</summary>
    private static FieldInfo? FieldFor(Type t, string cName)
    {
        string pascal = char.ToUpperInvariant(cName[0]) + cName[1..];
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        return t.GetField(pascal, all) ?? t.GetField($"<{pascal}>k__BackingField", all);
    }

    [TestCaseSource(nameof(BoundStructs))]
    public void Size_and_offsets_match_C(Type t)
    {
        var c = CLayout();
        Assert.That(c.TryGetValue($"{t.Name} size", out long size), $"{t.Name} missing from ofx_layout.c");
        Assert.That(SizeOf(t), Is.EqualTo(size), $"sizeof({t.Name})");
        Assert.That(Marshal.SizeOf(t), Is.EqualTo(size), $"Marshal.SizeOf({t.Name})");

        var members = c.Where(kv => kv.Key.StartsWith(t.Name + ".", StringComparison.Ordinal) && kv.Key.EndsWith(" offset", StringComparison.Ordinal)).ToList();
        var instanceFields = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.That(instanceFields.Length, Is.EqualTo(members.Count), $"{t.Name}: C# has {instanceFields.Length} fields, C has {members.Count}");
        foreach (var (key, offset) in members)
        {
            string member = key[(t.Name.Length + 1)..key.IndexOf(' ')];
            var f = FieldFor(t, member);
            Assert.That(f, Is.Not.Null, $"{t.Name}: no C# field for C member '{member}'");
            Assert.That((long)Marshal.OffsetOf(t, f!.Name), Is.EqualTo(offset), $"offsetof({t.Name}, {member})");
        }
    }

    [Test]
    public void Handles_are_one_pointer()
    {
        foreach (var t in new[] { typeof(OfxPropertySetHandle), typeof(OfxImageEffectHandle), typeof(OfxImageClipHandle), typeof(OfxParamHandle),
                     typeof(OfxParamSetHandle), typeof(OfxImageMemoryHandle), typeof(OfxMutexHandle), typeof(OfxInteractHandle) })
            Assert.That(SizeOf(t), Is.EqualTo(IntPtr.Size), t.Name);
    }
}
