using NUnit.Framework;

namespace HdrOfx.Interop.Tests;

/// <summary>src/Interop (and the plug-ins' sources) against the official OpenFX headers: every string and number.</summary>
[TestFixture]
public class HeaderConformanceTests
{
    private static string RepoRoot()
    {
        var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "HdrOfx.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("HdrOfx.sln not found above the test directory");
    }

    [Test]
    public void Every_interop_constant_equals_its_header_macro()
    {
        var headers = OfxHeaders.Official();
        var constants = HeaderConformance.InteropConstants().ToList();
        Assert.That(constants, Has.Count.GreaterThan(250), "constants found by reflection");
        var problems = HeaderConformance.Check(constants, headers);
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void No_source_types_an_ofx_string_the_headers_do_not_define()
    {
        var headers = OfxHeaders.Official();
        string root = RepoRoot();
        var files = new[] { "src/Interop", "src/Plugin", "tests/GainExample", "tests/Plugin.Tests/Host" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"))
            .ToList();
        Assert.That(files, Has.Count.GreaterThan(20));
        var problems = HeaderConformance.UnknownLiterals(files, headers);
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void The_headers_hold_the_values_that_bite()
    {
        var h = OfxHeaders.Official();
        Assert.That(h.Strings["kOfxImageEffectPropSupportsMultipleClipDepths"], Is.EqualTo("OfxImageEffectPropMultipleClipDepths"));
        Assert.That(h.Strings["kOfxImageEffectPropProjectPixelAspectRatio"], Is.EqualTo("OfxImageEffectPropPixelAspectRatio"));
        Assert.That(h.Strings["kOfxActionDescribeInteract"], Is.EqualTo("OfxActionDescribe"), "an alias is resolved");
        Assert.That(h.Integers["kOfxStatErrBadHandle"], Is.EqualTo(9), "((int) 9)");
        Assert.That(h.Integers["kOfxStatOK"], Is.EqualTo(0));
    }

    // The checker itself: it must fail on a deliberately wrong string, a wrong number and a missing macro.

    private static readonly OfxHeaders Tiny = OfxHeaders.FromDefines("tiny", new Dictionary<string, string>
    {
        ["kOfxImageEffectPropSupportsMultipleClipDepths"] = "\"OfxImageEffectPropMultipleClipDepths\"",
        ["kOfxActionDescribe"] = "\"OfxActionDescribe\"",
        ["kOfxActionDescribeInteract"] = "kOfxActionDescribe",
        ["kOfxStatErrValue"] = "((int) 11)",
    });

    [Test]
    public void The_checker_reports_a_misspelled_string()
    {
        var wrong = new HeaderConformance.Constant("OfxImageEffectProps.SupportsMultipleClipDepths",
            ["kOfxImageEffectPropSupportsMultipleClipDepths"], "OfxImageEffectPropSupportsMultipleClipDepths");
        var problems = HeaderConformance.Check([wrong], Tiny);
        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.Contain("\"OfxImageEffectPropSupportsMultipleClipDepths\"")
            .And.Contain("kOfxImageEffectPropSupportsMultipleClipDepths is \"OfxImageEffectPropMultipleClipDepths\""));
        var right = wrong with { Value = "OfxImageEffectPropMultipleClipDepths" };
        Assert.That(HeaderConformance.Check([right], Tiny), Is.Empty);
    }

    [Test]
    public void The_checker_reports_a_wrong_alias_a_wrong_number_and_a_missing_macro()
    {
        var problems = HeaderConformance.Check(
        [
            new("OfxActions.DescribeInteract", ["kOfxActionDescribeInteract"], "OfxActionDescribeInteract"),
            new("OfxStatus.ErrValue", ["kOfxStatErrValue"], 12),
            new("OfxProps.Nothing", ["kOfxPropNothing", "kOfxNothing"], "OfxPropNothing"),
        ], Tiny);
        Assert.That(problems, Has.Count.EqualTo(3), string.Join("\n", problems));
        Assert.That(problems[0], Does.Contain("kOfxActionDescribeInteract is \"OfxActionDescribe\""));
        Assert.That(problems[1], Does.Contain("is 12 but kOfxStatErrValue is 11"));
        Assert.That(problems[2], Does.Contain("no macro kOfxPropNothing or kOfxNothing"));
    }

    [Test]
    public void The_source_scan_reports_a_typed_in_misspelling()
    {
        string file = Path.Combine(Path.GetTempPath(), $"conformance_{Environment.ProcessId}.cs");
        File.WriteAllText(file, "p.SetInt(\"OfxImageEffectPropSupportsMultipleClipDepths\", 1);\np.SetInt(\"OfxImageEffectPropMultipleClipDepths\", 1);\n");
        try
        {
            var problems = HeaderConformance.UnknownLiterals([file], Tiny);
            Assert.That(problems, Has.Count.EqualTo(1));
            Assert.That(problems[0], Does.Contain(":1:").And.Contain("OfxImageEffectPropSupportsMultipleClipDepths"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
