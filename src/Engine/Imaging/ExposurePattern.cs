namespace HdrOfx.Engine.Imaging;

/// <summary>
/// An alternating-exposure pattern. Timeline frame n holds slot (n + Phase) mod Length,
/// and its exposure is e = 2^EV of that slot (shared/DESIGN.md §3).
/// </summary>
public sealed class ExposurePattern
{
    public IReadOnlyList<double> Evs { get; }
    public int Phase { get; }
    public int Length => Evs.Count;

    public ExposurePattern(IReadOnlyList<double> evs, int phase)
    {
        if (evs.Count is < 1 or > 3) throw new ArgumentException($"an exposure pattern has 1 to 3 slots, got {evs.Count}");
        foreach (var ev in evs)
            if (!double.IsFinite(ev) || Math.Abs(ev) > 20) throw new ArgumentException($"EV {ev} is not a finite value in [-20, 20]");
        if (phase < 0) throw new ArgumentException($"phase {phase} must be >= 0");
        Evs = evs.ToArray();
        Phase = phase;
    }

    public int SlotOf(int frame) => Slot(frame, Phase, Length);

    /// <summary>The slot of timeline frame <paramref name="frame"/>: (frame + phase) mod length, for any sign.</summary>
    public static int Slot(long frame, int phase, int length) => (int)((frame + phase) % length + length) % length;

    public double EvOf(int frame) => Evs[SlotOf(frame)];

    /// <summary>Default temporal radius: 1 for two exposures, 2 for three (DESIGN §2), 0 for single-exposure footage.</summary>
    public int DefaultRadius => Reconstruction.FrameWindow.DefaultRadius(Length);

    /// <summary>Parses "EV0[,EV1[,EV2]]" as written on the command line (one EV: single-exposure footage).</summary>
    public static ExposurePattern Parse(string evList, int phase)
    {
        var parts = evList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var evs = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out evs[i]))
                throw new ArgumentException($"EV '{parts[i]}' is not a number");
        if (evs.Length is < 1 or > 3) throw new ArgumentException($"unknown pattern '{evList}': give 2 or 3 EVs, e.g. -1.5,1.5 or -2,0,2, or one EV for single-exposure footage");
        return new ExposurePattern(evs, phase);
    }
}
