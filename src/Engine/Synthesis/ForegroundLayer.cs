using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace HdrOfx.Engine.Synthesis;

public enum ForegroundShape
{
    Ellipse,
    RoundedRectangle,
    /// <summary>An ellipse whose radius wobbles with the 3rd and 5th angular harmonics.</summary>
    Blob,
}

/// <summary>
/// One independently moving foreground layer: a rigid sprite (shape + texture) whose local coordinates q
/// (output px at scale 1, centred on the sprite) map to the output as p = c(t) + s(t)·R(φ(t))·q.
/// The centre moves at constant velocity and bounces inside a box; roll and scale drift linearly.
/// Its texture is a region of the foreground source (or of the background when there is none), in source
/// coordinates (u, v) = Tex + TexScale·R(TexAngle)·q, times Gain (radiance units of the background source).
/// </summary>
public sealed record ForegroundLayer
{
    public ForegroundShape Shape { get; init; }
    public double RadiusX { get; init; }
    public double RadiusY { get; init; }
    /// <summary>Rounded rectangle: corner radius in px. Blob: unused.</summary>
    public double Corner { get; init; }
    public double Blob3 { get; init; }
    public double Blob3Phase { get; init; }
    public double Blob5 { get; init; }
    public double Blob5Phase { get; init; }
    /// <summary>Width in output px of the linear alpha ramp across the edge; 0 = hard edge.</summary>
    public double Edge { get; init; }

    public double X0 { get; init; }
    public double Y0 { get; init; }
    /// <summary>Velocity in output px/frame (before bounces).</summary>
    public double VelX { get; init; }
    public double VelY { get; init; }
    public double MinX { get; init; }
    public double MaxX { get; init; }
    public double MinY { get; init; }
    public double MaxY { get; init; }
    public double Roll0 { get; init; }
    /// <summary>Degrees/frame.</summary>
    public double RollRate { get; init; }
    /// <summary>log-scale per frame, anchored at ScaleAnchor.</summary>
    public double ScaleRate { get; init; }
    public double ScaleAnchor { get; init; }

    public bool TextureFromBackground { get; init; }
    public double TexU { get; init; }
    public double TexV { get; init; }
    public double TexScale { get; init; }
    public double TexAngle { get; init; }
    public double Gain { get; init; }

    /// <summary>Bounding radius of the shape in local px (alpha is 0 beyond it plus the edge).</summary>
    [JsonIgnore]
    public double LocalRadius => Shape switch
    {
        ForegroundShape.Blob => Math.Max(RadiusX, RadiusY) * (1 + Math.Abs(Blob3) + Math.Abs(Blob5)),
        ForegroundShape.RoundedRectangle => Math.Sqrt(RadiusX * RadiusX + RadiusY * RadiusY),
        _ => Math.Max(RadiusX, RadiusY),
    };

    public double ScaleAt(double t) => Math.Exp(ScaleRate * (t - ScaleAnchor));

    /// <summary>Centre at time t: linear motion folded into [Min, Max] (bounces off the box walls).</summary>
    public (double X, double Y) CentreAt(double t) => (Bounce(X0 + VelX * t, MinX, MaxX), Bounce(Y0 + VelY * t, MinY, MaxY));

    private static double Bounce(double x, double lo, double hi)
    {
        double len = hi - lo;
        if (!(len > 0)) return lo;
        double y = (x - lo) % (2 * len);
        if (y < 0) y += 2 * len;
        if (y > len) y = 2 * len - y;
        return lo + y;
    }

    /// <summary>Local sprite coordinates → output pixel at time t (an affine map stored as a homography).</summary>
    public Homography At(double t)
    {
        var (cx, cy) = CentreAt(t);
        return Homography.Translation(cx, cy) * Homography.Scale(ScaleAt(t)) * Homography.RotationDegrees(Roll0 + RollRate * t);
    }

    /// <summary>Approximate signed distance (local px, negative inside) to the shape's outline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double SignedDistance(double qx, double qy)
    {
        switch (Shape)
        {
            case ForegroundShape.RoundedRectangle:
                {
                    double r = Corner;
                    double dx = Math.Abs(qx) - RadiusX + r, dy = Math.Abs(qy) - RadiusY + r;
                    double ox = Math.Max(dx, 0), oy = Math.Max(dy, 0);
                    return Math.Sqrt(ox * ox + oy * oy) + Math.Min(Math.Max(dx, dy), 0) - r;
                }
            case ForegroundShape.Blob:
                {
                    double nx = qx / RadiusX, ny = qy / RadiusY;
                    double rho = Math.Sqrt(nx * nx + ny * ny);
                    double a = Math.Atan2(ny, nx);
                    double rr = 1 + Blob3 * Math.Sin(3 * a + Blob3Phase) + Blob5 * Math.Sin(5 * a + Blob5Phase);
                    return (rho - rr) * Math.Min(RadiusX, RadiusY);
                }
            default:
                {
                    // First-order distance to the ellipse: f/|∇f| with f = (x/a)² + (y/b)² − 1.
                    double ia = 1 / (RadiusX * RadiusX), ib = 1 / (RadiusY * RadiusY);
                    double f = qx * qx * ia + qy * qy * ib - 1;
                    double gx = 2 * qx * ia, gy = 2 * qy * ib;
                    double g = Math.Sqrt(gx * gx + gy * gy);
                    return g > 1e-12 ? f / g : -Math.Min(RadiusX, RadiusY);
                }
        }
    }

    /// <summary>Coverage in [0,1] of local point q when the layer is drawn at scale s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Alpha(double qx, double qy, double scale)
    {
        double d = SignedDistance(qx, qy) * scale;
        if (Edge <= 0) return d <= 0 ? 1f : 0f;
        double a = 0.5 - d / Edge;
        return a <= 0 ? 0f : a >= 1 ? 1f : (float)a;
    }

    /// <summary>Local point → source texture coordinates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TextureCoords(double qx, double qy, out double u, out double v)
    {
        double r = TexAngle * (Math.PI / 180), c = Math.Cos(r) * TexScale, s = Math.Sin(r) * TexScale;
        u = TexU + c * qx - s * qy;
        v = TexV + s * qx + c * qy;
    }

    /// <summary>
    /// Draws a layer. <paramref name="bgScreenVelX"/>/<paramref name="bgScreenVelY"/> is the background's apparent
    /// motion in output px/frame; the layer's velocity differs from it by U(0.6, 1)·ForegroundSpeed in a random
    /// direction, so it really moves independently.
    /// </summary>
    internal static ForegroundLayer Sample(SynthOptions o, int outW, int outH, int frames, double bgScreenVelX, double bgScreenVelY,
        int texW, int texH, bool textureFromBackground, double gain, SynthRandom rng)
    {
        double span = Math.Max(frames - 1, 0);
        var shape = (ForegroundShape)rng.NextInt(3);
        double ry = o.ForegroundSize * outH * 0.5 * rng.Uniform(0.7, 1.0);
        double rx = ry * rng.Uniform(0.8, 1.6);
        rx = Math.Min(rx, outW * 0.45);
        double speed = o.ForegroundSpeed * rng.Uniform(0.6, 1.0);
        double dir = rng.Uniform(0, 2 * Math.PI);
        double vx = bgScreenVelX + speed * Math.Cos(dir);
        double vy = bgScreenVelY + speed * Math.Sin(dir);
        // Centre box: the middle 70 % × 60 % of the frame, so the layer stays mostly visible.
        double minX = outW * 0.15, maxX = outW * 0.85, minY = outH * 0.2, maxY = outH * 0.8;
        // Start so the middle frame sits near a random point of the box's central part.
        double midX = rng.Uniform(outW * 0.3, outW * 0.7), midY = rng.Uniform(outH * 0.35, outH * 0.65);
        double x0 = midX - vx * span / 2, y0 = midY - vy * span / 2;

        double texScale = textureFromBackground
            // Clearly different from the background around it: magnified or minified, rotated, elsewhere.
            ? (rng.Sign() > 0 ? rng.Uniform(0.4, 0.7) : rng.Uniform(1.5, 2.2))
            : rng.Uniform(0.6, 1.4) * texH / (double)outH;
        double texRadius = Math.Max(rx, ry) * texScale;
        double texV = texRadius < texH * 0.5 ? rng.Uniform(texRadius, texH - 1 - texRadius) : (texH - 1) * 0.5;

        return new ForegroundLayer
        {
            Shape = shape,
            RadiusX = rx,
            RadiusY = ry,
            Corner = Math.Min(rx, ry) * rng.Uniform(0.15, 0.5),
            Blob3 = rng.Uniform(0.05, 0.15),
            Blob3Phase = rng.Uniform(0, 2 * Math.PI),
            Blob5 = rng.Uniform(0.02, 0.08),
            Blob5Phase = rng.Uniform(0, 2 * Math.PI),
            Edge = o.ForegroundEdge,
            X0 = x0,
            Y0 = y0,
            VelX = vx,
            VelY = vy,
            MinX = minX,
            MaxX = maxX,
            MinY = minY,
            MaxY = maxY,
            Roll0 = rng.Uniform(-30, 30),
            RollRate = rng.Uniform(-1.0, 1.0),
            ScaleRate = rng.Uniform(-0.01, 0.01),
            ScaleAnchor = span / 2,
            TextureFromBackground = textureFromBackground,
            TexU = rng.Uniform(0, texW),
            TexV = texV,
            TexScale = texScale,
            TexAngle = rng.Uniform(0, 360),
            Gain = gain,
        };
    }
}
