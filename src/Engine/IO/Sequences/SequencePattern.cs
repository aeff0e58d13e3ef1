using System.Globalization;

namespace HdrOfx.Engine.IO.Sequences;

/// <summary>
/// A file-sequence pattern: printf-style <c>%04d</c> / <c>%d</c>, a run of <c>#</c> (width = number of #, so <c>####</c> = 4),
/// or a plain single file (no frame token). Only the file name may hold the token, and only one token.
/// Numbers are formatted like printf: zero-padded to the width, a minus sign counted in the width, never truncated.
/// </summary>
public sealed class SequencePattern
{
    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }
    /// <summary>Everything before the frame token (the whole path when there is none).</summary>
    public string Prefix { get; }
    /// <summary>Everything after the frame token.</summary>
    public string Suffix { get; }
    /// <summary>Minimum digit count (0 for %d: no padding).</summary>
    public int Width { get; }
    public bool HasFrameToken { get; }

    private SequencePattern(string pattern, string prefix, string suffix, int width, bool hasToken)
    {
        Pattern = pattern; Prefix = prefix; Suffix = suffix; Width = width; HasFrameToken = hasToken;
    }

    public static SequencePattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length == 0) throw new ArgumentException("empty sequence pattern", nameof(pattern));
        string dir = Path.GetDirectoryName(pattern) ?? "";
        int nameStart = pattern.Length - Path.GetFileName(pattern).Length;
        if (HasToken(dir))
            throw new ArgumentException($"sequence pattern '{pattern}': the frame token must be in the file name, not the directory", nameof(pattern));

        int found = -1, tokenLen = 0, width = 0;
        for (int i = nameStart; i < pattern.Length; i++)
        {
            char c = pattern[i];
            int len = 0, w = 0;
            if (c == '%')
            {
                int j = i + 1;
                while (j < pattern.Length && char.IsAsciiDigit(pattern[j])) j++;
                if (j < pattern.Length && pattern[j] == 'd')
                {
                    string digits = pattern[(i + 1)..j];
                    if (digits.Length > 0 && digits[0] != '0' && digits.Length > 0)
                        throw new ArgumentException($"sequence pattern '{pattern}': use a zero-padded width such as %04d, not %{digits}d", nameof(pattern));
                    w = digits.Length == 0 ? 0 : int.Parse(digits, CultureInfo.InvariantCulture);
                    len = j + 1 - i;
                }
                else continue;
            }
            else if (c == '#')
            {
                int j = i;
                while (j < pattern.Length && pattern[j] == '#') j++;
                len = j - i; w = len;
            }
            else continue;
            if (found >= 0)
                throw new ArgumentException($"sequence pattern '{pattern}' has more than one frame token", nameof(pattern));
            if (w > 32) throw new ArgumentException($"sequence pattern '{pattern}': frame width {w} is too large", nameof(pattern));
            found = i; tokenLen = len; width = w;
            i += len - 1;
        }
        if (found < 0) return new SequencePattern(pattern, pattern, "", 0, false);
        return new SequencePattern(pattern, pattern[..found], pattern[(found + tokenLen)..], width, true);
    }

    private static bool HasToken(string s)
    {
        if (s.Contains('#')) return true;
        int i = s.IndexOf('%');
        while (i >= 0)
        {
            int j = i + 1;
            while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
            if (j < s.Length && s[j] == 'd') return true;
            i = s.IndexOf('%', i + 1);
        }
        return false;
    }

    /// <summary>The path of <paramref name="frame"/>; the pattern itself when it has no frame token.</summary>
    public string Format(int frame) =>
        HasFrameToken ? Prefix + frame.ToString("D" + (frame < 0 ? Math.Max(Width - 1, 0) : Width).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + Suffix : Pattern;

    /// <summary>Throws a clear error when this pattern names a single file but <paramref name="frameCount"/> &gt; 1 frames are needed.</summary>
    public void RequireFrames(int frameCount)
    {
        if (!HasFrameToken && frameCount > 1)
            throw new ArgumentException($"pattern '{Pattern}' has no frame token (%04d, %d or ####) but {frameCount} frames are needed");
    }

    /// <summary>
    /// Throws when <paramref name="output"/> would write over <paramref name="input"/>: the same pattern (after resolving paths),
    /// or the same file for some frame of <paramref name="frames"/> when given.
    /// </summary>
    public static void RequireDistinct(SequencePattern input, SequencePattern output, FrameRange? frames = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        bool same = input.HasFrameToken == output.HasFrameToken &&
                    string.Equals(Path.GetFullPath(input.Prefix), Path.GetFullPath(output.Prefix), StringComparison.Ordinal) &&
                    input.Suffix == output.Suffix && input.Width == output.Width;
        if (!same && frames is { } r)
        {
            // Different spellings can still collide (e.g. %04d vs ####): compare concrete paths.
            long checkedCount = 0;
            foreach (int f in r)
            {
                if (string.Equals(Path.GetFullPath(input.Format(f)), Path.GetFullPath(output.Format(f)), StringComparison.Ordinal)) { same = true; break; }
                if (++checkedCount > 100000) break;
            }
        }
        else if (!same && input.HasFrameToken && output.HasFrameToken && input.Width == output.Width &&
                 string.Equals(Path.GetFullPath(input.Format(1)), Path.GetFullPath(output.Format(1)), StringComparison.Ordinal))
            same = true;
        if (same) throw new ArgumentException($"output pattern '{output.Pattern}' is the same as input pattern '{input.Pattern}'; refusing to overwrite the input");
    }

    /// <summary>Tries to read the frame number out of a path that matches this pattern.</summary>
    public bool TryMatch(string path, out int frame)
    {
        frame = 0;
        if (!HasFrameToken) return false;
        if (path.Length <= Prefix.Length + Suffix.Length) return false;
        if (!path.StartsWith(Prefix, StringComparison.Ordinal) || !path.EndsWith(Suffix, StringComparison.Ordinal)) return false;
        string mid = path[Prefix.Length..^Suffix.Length];
        bool neg = mid.StartsWith('-');
        string digits = neg ? mid[1..] : mid;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return false;
        if (!int.TryParse(mid, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out frame)) return false;
        // The spelling must be exactly what Format would produce, so "01" does not match %04d and "007" does not match %d.
        return Format(frame) == path;
    }

    /// <summary>Lists the frames that exist on disk, sorted, with the missing frames between the first and the last.</summary>
    public SequenceScan Enumerate()
    {
        if (!HasFrameToken)
            return File.Exists(Pattern) ? new SequenceScan([new SequenceFrame(0, Pattern)], []) : new SequenceScan([], []);
        string dir = Path.GetDirectoryName(Prefix + "x") is { Length: > 0 } d ? d : ".";
        if (!Directory.Exists(dir)) return new SequenceScan([], []);
        var frames = new List<SequenceFrame>();
        string prefixDir = Path.GetDirectoryName(Prefix + "x") ?? "";
        foreach (string file in Directory.EnumerateFiles(dir))
        {
            // Rebuild the path in the pattern's own spelling of the directory.
            string candidate = prefixDir.Length == 0 ? Path.GetFileName(file) : Path.Combine(prefixDir, Path.GetFileName(file));
            if (TryMatch(candidate, out int f)) frames.Add(new SequenceFrame(f, candidate));
        }
        frames.Sort((a, b) => a.Frame.CompareTo(b.Frame));
        var gaps = new List<FrameRange>();
        for (int i = 1; i < frames.Count; i++)
            if (frames[i].Frame > frames[i - 1].Frame + 1)
                gaps.Add(new FrameRange(frames[i - 1].Frame + 1, frames[i].Frame - 1));
        return new SequenceScan(frames, gaps);
    }

    public override string ToString() => Pattern;
}

public readonly record struct SequenceFrame(int Frame, string Path);

/// <summary>Frames found on disk (sorted) and the gaps between them.</summary>
public sealed record SequenceScan(IReadOnlyList<SequenceFrame> Frames, IReadOnlyList<FrameRange> Gaps)
{
    public bool IsEmpty => Frames.Count == 0;
    public bool HasGaps => Gaps.Count > 0;
    /// <summary>First..Last of the frames found; throws when none were found.</summary>
    public FrameRange Range => IsEmpty ? throw new InvalidOperationException("no frames found") : new FrameRange(Frames[0].Frame, Frames[^1].Frame);
}
