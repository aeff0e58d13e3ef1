using System.Collections;
using System.Globalization;

namespace HdrOfx.Engine.IO.Sequences;

/// <summary>An inclusive range of frame numbers, First..Last.</summary>
public readonly record struct FrameRange(int First, int Last) : IEnumerable<int>
{
    public int Count => Last - First + 1;

    public bool Contains(int frame) => frame >= First && frame <= Last;

    /// <summary>Parses "A-B" (inclusive, A ≤ B) or a single frame "A". Frames may be negative: "-5-10", "-10--5".</summary>
    public static FrameRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new FormatException("empty frame range; expected A-B, e.g. 1-100");
        // The separator is the first '-' that is not a sign, i.e. not at the start.
        int sep = s.IndexOf('-', 1);
        string a = sep < 0 ? s : s[..sep].Trim();
        string b = sep < 0 ? s : s[(sep + 1)..].Trim();
        if (!int.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int first) ||
            !int.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int last))
            throw new FormatException($"bad frame range '{text}'; expected A-B with integer frames, e.g. 1-100");
        if (last < first) throw new FormatException($"bad frame range '{text}': last frame {last} is before first frame {first}");
        return new FrameRange(first, last);
    }

    public IEnumerator<int> GetEnumerator()
    {
        for (long f = First; f <= Last; f++) yield return (int)f;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => First == Last ? First.ToString(CultureInfo.InvariantCulture) : $"{First}-{Last}";
}
