namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// The virtual camera: at time t (frames, fractional allowed for motion blur) a homography maps an output pixel
/// centre (x, y) to background coordinates (u, v), in background pixels with pixel centres at integers.
/// u is unwrapped: the equirectangular background repeats every background width horizontally.
/// <code>
/// M(t) = T(cu, cv) · S(1/z) · R(roll) · P(px, py) · T(−(W−1)/2, −(H−1)/2)
/// cu = U0 + VelU·t + shakeX(t)/z,  cv = V0 + VelV·t + shakeY(t)/z
/// z  = exp(LogZoom + ZoomRate·(t − ZoomAnchor)),  roll = RollRate·(t − RollAnchor) + shakeRoll(t)
/// px = perspX(t)/((W−1)/2),  py = perspY(t)/((H−1)/2)
/// </code>
/// Every parameter is recorded in the manifest, so flows can be recomputed from it.
/// </summary>
public sealed record CameraPath
{
    public int OutputWidth { get; init; }
    public int OutputHeight { get; init; }
    public int BackgroundWidth { get; init; }
    public int BackgroundHeight { get; init; }
    public double U0 { get; init; }
    public double V0 { get; init; }
    /// <summary>Pan velocity in background px/frame.</summary>
    public double VelU { get; init; }
    public double VelV { get; init; }
    public double LogZoom { get; init; }
    public double ZoomRate { get; init; }
    public double ZoomAnchor { get; init; }
    /// <summary>Roll speed in degrees/frame.</summary>
    public double RollRate { get; init; }
    public double RollAnchor { get; init; }
    /// <summary>Shake translation in output px.</summary>
    public SmoothPath ShakeX { get; init; } = SmoothPath.Zero;
    public SmoothPath ShakeY { get; init; } = SmoothPath.Zero;
    /// <summary>Shake roll in degrees.</summary>
    public SmoothPath ShakeRoll { get; init; } = SmoothPath.Zero;
    /// <summary>Keystone: change of w at the frame's left/right (top/bottom) edge.</summary>
    public SmoothPath PerspectiveX { get; init; } = SmoothPath.Zero;
    public SmoothPath PerspectiveY { get; init; } = SmoothPath.Zero;

    public double ZoomAt(double t) => Math.Exp(LogZoom + ZoomRate * (t - ZoomAnchor));

    public double RollAt(double t) => RollRate * (t - RollAnchor) + ShakeRoll.At(t);

    /// <summary>Output pixel → background coordinates at time t.</summary>
    public Homography At(double t)
    {
        double z = ZoomAt(t);
        double hx = (OutputWidth - 1) * 0.5, hy = (OutputHeight - 1) * 0.5;
        double cu = U0 + VelU * t + ShakeX.At(t) / z;
        double cv = V0 + VelV * t + ShakeY.At(t) / z;
        double px = hx > 0 ? PerspectiveX.At(t) / hx : 0;
        double py = hy > 0 ? PerspectiveY.At(t) / hy : 0;
        return Homography.Translation(cu, cv) * Homography.Scale(1 / z) * Homography.RotationDegrees(RollAt(t))
             * Homography.Projective(px, py) * Homography.Translation(-hx, -hy);
    }

    /// <summary>Draws a camera path for a clip of <paramref name="frames"/> frames from the options' motion amounts.</summary>
    public static CameraPath Sample(SynthOptions o, int outW, int outH, int bgW, int bgH, int frames, SynthRandom rng)
    {
        double span = Math.Max(frames - 1, 0);
        double mid = span / 2;
        double zoomRate = o.ZoomRate * rng.Uniform(0.5, 1.0) * rng.Sign();
        // Zoom never drops below BaseZoom: anchor the drift at the clip's start (zooming in) or end (zooming out).
        double zoomAnchor = zoomRate >= 0 ? 0 : span;
        double logZoom = Math.Log(o.BaseZoom);

        // Roll: centred on the middle frame, total swing capped at ±3° so long clips stay inside the panorama.
        double rollRate = o.RotationSpeed * rng.Uniform(-1.0, 1.0);
        if (span > 0) rollRate = Math.Clamp(rollRate, -6.0 / span, 6.0 / span);

        // Shake: three sinusoids per axis with periods of ~4–20 frames (handheld), RMS as requested.
        var shakeX = SmoothPath.Random(rng, o.ShakeAmplitude, 3, 0.3, 1.5);
        var shakeY = SmoothPath.Random(rng, o.ShakeAmplitude, 3, 0.3, 1.5);
        var shakeR = SmoothPath.Random(rng, o.ShakeRotation, 3, 0.3, 1.5);
        // Perspective drifts slowly (periods ~20–60 frames).
        var perspX = SmoothPath.Random(rng, o.Perspective / Math.Sqrt(2), 1, 0.1, 0.3);
        var perspY = SmoothPath.Random(rng, o.Perspective / Math.Sqrt(2) * 0.5, 1, 0.1, 0.3);

        // Pan: speed U(0.5, 1)·PanSpeed in output px/frame, within ±25° of horizontal, either direction.
        double speed = o.PanSpeed * rng.Uniform(0.5, 1.0);
        double dir = rng.Uniform(-25, 25) * (Math.PI / 180) + (rng.Sign() > 0 ? 0 : Math.PI);
        double z0 = o.BaseZoom;
        double velU = speed * Math.Cos(dir) / z0;
        double velV = speed * Math.Sin(dir) / z0;

        // Vertical budget: half the background height minus the visible half-height (with roll and perspective)
        // and the shake; vertical pan only uses what is left so rows are not clamped.
        double hx = (outW - 1) * 0.5, hy = (outH - 1) * 0.5;
        double maxRoll = Math.Abs(rollRate) * span / 2 + shakeR.Bound();
        double halfVisible = (hy + hx * Math.Sin(Math.Min(maxRoll, 90) * Math.PI / 180)) / z0 * (1 + 2 * o.Perspective);
        double margin = (bgH - 1) * 0.5 - halfVisible - shakeY.Bound() / z0;
        double maxVelV = span > 0 ? Math.Max(0, 2 * margin) / span : 0;
        velV = Math.Clamp(velV, -maxVelV, maxVelV);

        return new CameraPath
        {
            OutputWidth = outW,
            OutputHeight = outH,
            BackgroundWidth = bgW,
            BackgroundHeight = bgH,
            U0 = rng.Uniform(0, bgW),
            V0 = (bgH - 1) * 0.5 - velV * mid,
            VelU = velU,
            VelV = velV,
            LogZoom = logZoom,
            ZoomRate = zoomRate,
            ZoomAnchor = zoomAnchor,
            RollRate = rollRate,
            RollAnchor = mid,
            ShakeX = shakeX,
            ShakeY = shakeY,
            ShakeRoll = shakeR,
            PerspectiveX = perspX,
            PerspectiveY = perspY,
        };
    }
}
