namespace HdrOfx.Engine.Classical;

/// <summary>Parameters of <see cref="OpticalFlow"/>. Defaults are tuned for 2–3 exposure video, motion up to ~20 px/frame.</summary>
public sealed class FlowOptions
{
    public static readonly FlowOptions Default = new();

    /// <summary>Working-resolution divisor (1, 2, 4 or 8). 0 = automatic: the smallest that keeps the working width ≤ <see cref="AutoMaxWorkingWidth"/>.</summary>
    public int Downscale { get; init; }

    public int AutoMaxWorkingWidth { get; init; } = 640;

    /// <summary>Coarsest pyramid level has min(width, height) ≥ this.</summary>
    public int MinLevelSize { get; init; } = 12;

    public int MaxLevels { get; init; } = 8;

    /// <summary>Warping (re-linearization) iterations per pyramid level, and at the finest (working) level.</summary>
    public int WarpIterations { get; init; } = 3;
    public int FinestWarpIterations { get; init; } = 2;

    /// <summary>Jacobi iterations of the combined local-global (CLG) system per warp.</summary>
    public int SmoothIterations { get; init; } = 10;

    /// <summary>Lucas–Kanade window radius (box) for the structure tensor.</summary>
    public int WindowRadius { get; init; } = 3;

    /// <summary>Smoothness weight α of the CLG energy, relative to the mean squared image gradient.</summary>
    public float Alpha { get; init; } = 2f;

    /// <summary>μ of the μ-law that maps exposure-normalized luminance to the flow's brightness space.</summary>
    public float Mu { get; init; } = 100f;

    /// <summary>Linear value treated as clipped (1 = clip).</summary>
    public float ClipThreshold { get; init; } = 0.97f;

    /// <summary>Data weight of blocks saturated at the pair's common exposure (their clip edges still match after re-clipping).</summary>
    public float SaturatedWeight { get; init; } = 0.2f;

    /// <summary>Raw linear luminance under which a frame is "near black" (its data weight ramps to a floor).</summary>
    public float DarkThreshold { get; init; } = 0.02f;

    /// <summary>Compute the reverse flow too and derive a per-pixel confidence from forward-backward consistency.</summary>
    public bool ForwardBackward { get; init; } = true;

    /// <summary>
    /// Largest motion (full-resolution pixels) that the exhaustive integer search at a coarse level looks for,
    /// so that small objects moving fast are not lost by coarse-to-fine smoothing. 0 disables the search.
    /// </summary>
    public float SearchRange { get; init; } = 24f;

    /// <summary>Constant term (working px²) of the forward–backward tolerance: c = exp(−|f + b|² / (0.01(|f|² + |b|²) + this)).</summary>
    public float ConsistencyTolerance { get; init; } = 0.5f;

    /// <summary>Apply a 3×3 median to the flow after each level (removes outliers).</summary>
    public bool Median { get; init; } = true;

    internal int ResolveScale(int width, int height)
    {
        if (Downscale is 1 or 2 or 4 or 8) return Downscale;
        if (Downscale != 0) throw new ArgumentException($"FlowOptions.Downscale {Downscale} must be 0 (auto), 1, 2, 4 or 8");
        int s = 1;
        while (s < 8 && width / s > AutoMaxWorkingWidth && Math.Min(width, height) / (2 * s) >= 16) s *= 2;
        return s;
    }
}
