using System.Text.RegularExpressions;
using NUnit.Framework;

namespace HdrOfx.Interop.Tests;

/// <summary>
/// The <c>#define</c>s of the official OpenFX headers (shared/ofxhost/openfx/include): string macros by value,
/// integer macros (kOfxStat*, versions) by value, and aliases (<c>#define kA kB</c>) resolved to what they name.
/// </summary>
public sealed partial class OfxHeaders
{
    public IReadOnlyDictionary<string, string> Strings { get; }
    public IReadOnlyDictionary<string, long> Integers { get; }
    /// <summary>Names the headers give only in their text, as ``Name`` (the per-clip property prefixes).</summary>
    public IReadOnlySet<string> Documented { get; }
    public string Folder { get; }

    private OfxHeaders(string folder, Dictionary<string, string> strings, Dictionary<string, long> integers, HashSet<string> documented)
    {
        Folder = folder;
        Strings = strings;
        Integers = integers;
        Documented = documented;
    }

    [GeneratedRegex("``([A-Za-z0-9_]+)``")]
    private static partial Regex DocumentedName();

    [GeneratedRegex("""^\s*#\s*define\s+(k[A-Za-z0-9_]+)\s+(.*?)\s*(?:/[/*].*)?$""")]
    private static partial Regex Define();

    [GeneratedRegex("""^"((?:[^"\\]|\\.)*)"$""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex("""^\(?\s*(?:\(\s*int\s*\))?\s*(-?\d+)\s*\)?$""")]
    private static partial Regex IntegerLiteral();

    /// <summary>Parses every *.h of <paramref name="folder"/>.</summary>
    public static OfxHeaders Parse(string folder)
    {
        var raw = new Dictionary<string, string>();
        var documented = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.h").Order())
            foreach (var line in File.ReadLines(file))
            {
                var m = Define().Match(line);
                if (m.Success) raw.TryAdd(m.Groups[1].Value, m.Groups[2].Value);
                foreach (Match d in DocumentedName().Matches(line)) documented.Add(d.Groups[1].Value);
            }
        return FromDefines(folder, raw, documented);
    }

    /// <summary>From macro name → replacement text, as written after the name.</summary>
    public static OfxHeaders FromDefines(string folder, IReadOnlyDictionary<string, string> raw, IEnumerable<string>? documented = null)
    {
        var strings = new Dictionary<string, string>();
        var integers = new Dictionary<string, long>();
        foreach (var name in raw.Keys)
        {
            string text = raw[name];
            // Follow aliases (#define kOfxActionDescribeInteract kOfxActionDescribe), a few steps at most.
            for (int i = 0; i < 4 && raw.TryGetValue(text, out var next); i++) text = next;
            var s = StringLiteral().Match(text);
            if (s.Success) strings[name] = Regex.Unescape(s.Groups[1].Value);
            else if (IntegerLiteral().Match(text) is { Success: true } n) integers[name] = long.Parse(n.Groups[1].Value);
        }
        return new OfxHeaders(folder, strings, integers, [.. documented ?? []]);
    }

    /// <summary>HDROFX_OFX_INCLUDE, else shared/ofxhost/openfx/include beside the repository.</summary>
    public static string? FindFolder()
    {
        var env = Environment.GetEnvironmentVariable("HDROFX_OFX_INCLUDE");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
        var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "HdrOfx.sln"))) d = d.Parent;
        if (d?.Parent == null) return null;
        var folder = Path.Combine(d.Parent.FullName, "shared", "ofxhost", "openfx", "include");
        return File.Exists(Path.Combine(folder, "ofxCore.h")) ? folder : null;
    }

    private static OfxHeaders? _official;

    /// <summary>The official headers; a missing folder fails under CI=true and skips elsewhere.</summary>
    public static OfxHeaders Official()
    {
        if (_official != null) return _official;
        var folder = FindFolder();
        if (folder == null)
            Prerequisite.Missing("the official OpenFX headers (shared/ofxhost/openfx/include, or HDROFX_OFX_INCLUDE) are not here");
        return _official = Parse(folder!);
    }
}
