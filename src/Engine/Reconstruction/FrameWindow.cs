namespace HdrOfx.Engine.Reconstruction;

/// <summary>
/// The frames that rebuild frame <see cref="Center"/>: Center − Radius .. Center + Radius (DESIGN §2), in window order
/// (index <see cref="RefIndex"/> is the reference). The CLI and the plug-in both take the radius, its limit and the
/// frames of a window from here.
/// </summary>
public readonly record struct FrameWindow(int Center, int Radius)
{
    /// <summary>The largest temporal radius either front end accepts (the plug-in's parameter range).</summary>
    public const int MaxRadius = 4;

    public int Count => 2 * Radius + 1;
    public int RefIndex => Radius;

    /// <summary>Timeline frame of window index <paramref name="k"/>.</summary>
    public int FrameAt(int k) => Center + k - Radius;

    /// <summary>Default radius: 1 for two exposures, 2 for three, 0 for single-exposure footage (one EV).</summary>
    public static int DefaultRadius(int patternLength) => patternLength >= 3 ? 2 : patternLength - 1;

    /// <summary>The radius for a requested one: 0 (or negative) = the default; above <see cref="MaxRadius"/> throws.</summary>
    public static int ResolveRadius(int requested, int patternLength)
    {
        if (requested > MaxRadius)
            throw new ArgumentException($"temporal radius {requested} is larger than {MaxRadius}");
        return requested > 0 ? requested : DefaultRadius(patternLength);
    }
}
