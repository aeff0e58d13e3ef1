using HdrOfx.Engine.IO.Sequences;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Sequences;

public class SequenceTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = ExternalTools.TempDir();
    [TearDown] public void TearDown() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [TestCase("shot.%04d.exr", 7, "shot.0007.exr")]
    [TestCase("shot.%04d.exr", 12345, "shot.12345.exr")]
    [TestCase("shot.%04d.exr", -5, "shot.-005.exr")] // printf: the sign counts in the width
    [TestCase("shot.%d.png", 7, "shot.7.png")]
    [TestCase("shot.%d.png", 0, "shot.0.png")]
    [TestCase("shot.####.tif", 42, "shot.0042.tif")]
    [TestCase("shot_#.tif", 42, "shot_42.tif")]
    [TestCase("dir.v2/frame%03d", 5, "dir.v2/frame005")]
    [TestCase("single.exr", 99, "single.exr")]
    [TestCase("100%_done.png", 3, "100%_done.png")]
    public void Formats(string pattern, int frame, string expected) =>
        Assert.That(SequencePattern.Parse(pattern).Format(frame), Is.EqualTo(expected));

    [Test]
    public void ParsesParts()
    {
        var p = SequencePattern.Parse("/a/b/shot.####.exr");
        Assert.That((p.Prefix, p.Suffix, p.Width, p.HasFrameToken), Is.EqualTo(("/a/b/shot.", ".exr", 4, true)));
        var q = SequencePattern.Parse("clip.%d.png");
        Assert.That((q.Prefix, q.Suffix, q.Width), Is.EqualTo(("clip.", ".png", 0)));
        Assert.That(SequencePattern.Parse("plain.png").HasFrameToken, Is.False);
    }

    [TestCase("a.%04d.%04d.exr")]
    [TestCase("a.##.%d.exr")]
    [TestCase("shots_%02d/a.%04d.exr")]
    [TestCase("a.%4d.exr")]
    [TestCase("")]
    public void RejectsBadPatterns(string pattern) =>
        Assert.Throws<ArgumentException>(() => SequencePattern.Parse(pattern));

    [Test]
    public void SingleFilePatternCannotHoldManyFrames()
    {
        var p = SequencePattern.Parse("out.exr");
        Assert.DoesNotThrow(() => p.RequireFrames(1));
        var e = Assert.Throws<ArgumentException>(() => p.RequireFrames(10))!;
        Assert.That(e.Message, Does.Contain("out.exr").And.Contain("frame token"));
        Assert.DoesNotThrow(() => SequencePattern.Parse("out.%04d.exr").RequireFrames(10));
    }

    [Test]
    public void OutputEqualToInputIsRefused()
    {
        var input = SequencePattern.Parse(Path.Combine(_dir, "a.%04d.exr"));
        Assert.Throws<ArgumentException>(() => SequencePattern.RequireDistinct(input, SequencePattern.Parse(Path.Combine(_dir, "a.%04d.exr"))));
        // Same files, different spelling.
        Assert.Throws<ArgumentException>(() => SequencePattern.RequireDistinct(input, SequencePattern.Parse(Path.Combine(_dir, "a.####.exr"))));
        Assert.Throws<ArgumentException>(() => SequencePattern.RequireDistinct(input, SequencePattern.Parse(Path.Combine(_dir, ".", "a.####.exr")), new FrameRange(1, 10)));
        Assert.Throws<ArgumentException>(() => SequencePattern.RequireDistinct(SequencePattern.Parse("x.png"), SequencePattern.Parse("./x.png")));
        Assert.DoesNotThrow(() => SequencePattern.RequireDistinct(input, SequencePattern.Parse(Path.Combine(_dir, "b.%04d.exr"))));
        Assert.DoesNotThrow(() => SequencePattern.RequireDistinct(input, SequencePattern.Parse(Path.Combine(_dir, "a.%05d.exr")), new FrameRange(1, 10)));
    }

    [Test]
    public void EnumeratesExistingFramesSortedWithGaps()
    {
        foreach (int f in new[] { 10, 3, 1, 2, 7, 11, 10000 })
            File.WriteAllText(Path.Combine(_dir, $"s.{f:D4}.png"), "");
        // Look-alikes that must not match.
        File.WriteAllText(Path.Combine(_dir, "s.05.png"), "");
        File.WriteAllText(Path.Combine(_dir, "s.0004.png.bak"), "");
        File.WriteAllText(Path.Combine(_dir, "t.0004.png"), "");
        File.WriteAllText(Path.Combine(_dir, "s.00a4.png"), "");
        var scan = SequencePattern.Parse(Path.Combine(_dir, "s.####.png")).Enumerate();
        Assert.That(scan.Frames.Select(f => f.Frame), Is.EqualTo(new[] { 1, 2, 3, 7, 10, 11, 10000 }));
        Assert.That(scan.Frames[0].Path, Is.EqualTo(Path.Combine(_dir, "s.0001.png")));
        Assert.That(scan.Gaps, Is.EqualTo(new[] { new FrameRange(4, 6), new FrameRange(8, 9), new FrameRange(12, 9999) }));
        Assert.That(scan.Range, Is.EqualTo(new FrameRange(1, 10000)));
    }

    [Test]
    public void EnumeratesUnpaddedAndSingleAndMissing()
    {
        foreach (int f in new[] { 9, 10, 11 }) File.WriteAllText(Path.Combine(_dir, $"u.{f}.exr"), "");
        File.WriteAllText(Path.Combine(_dir, "u.09.exr"), ""); // not how %d spells 9
        var scan = SequencePattern.Parse(Path.Combine(_dir, "u.%d.exr")).Enumerate();
        Assert.That(scan.Frames.Select(f => f.Frame), Is.EqualTo(new[] { 9, 10, 11 }));
        Assert.That(scan.HasGaps, Is.False);
        Assert.That(SequencePattern.Parse(Path.Combine(_dir, "u.9.exr")).Enumerate().Frames, Has.Count.EqualTo(1));
        Assert.That(SequencePattern.Parse(Path.Combine(_dir, "nothing.%04d.exr")).Enumerate().IsEmpty, Is.True);
        Assert.That(SequencePattern.Parse(Path.Combine(_dir, "nodir", "x.%04d.exr")).Enumerate().IsEmpty, Is.True);
    }

    [Test]
    public void RelativePatternsKeepTheirSpelling()
    {
        // Relative to the current directory, without changing it (that would race with other fixtures).
        string rel = Path.GetRelativePath(Environment.CurrentDirectory, _dir);
        File.WriteAllText(Path.Combine(_dir, "r.0001.png"), "");
        var scan = SequencePattern.Parse(Path.Combine(rel, "r.%04d.png")).Enumerate();
        Assert.That(scan.Frames.Single().Path, Is.EqualTo(Path.Combine(rel, "r.0001.png")));
    }

    [TestCase("1-100", 1, 100)]
    [TestCase(" 5 - 7 ", 5, 7)]
    [TestCase("42", 42, 42)]
    [TestCase("-5-10", -5, 10)]
    [TestCase("-10--5", -10, -5)]
    public void ParsesFrameRanges(string text, int first, int last)
    {
        var r = FrameRange.Parse(text);
        Assert.That((r.First, r.Last, r.Count), Is.EqualTo((first, last, last - first + 1)));
        Assert.That(r.ToList(), Is.EqualTo(Enumerable.Range(first, last - first + 1)));
    }

    [TestCase("")] [TestCase("10-1")] [TestCase("a-b")] [TestCase("1-")] [TestCase("1:5")] [TestCase("1-2-3")]
    public void RejectsBadFrameRanges(string text)
    {
        var e = Assert.Throws<FormatException>(() => FrameRange.Parse(text))!;
        Assert.That(e.Message, Does.Contain("frame range"));
    }
}
