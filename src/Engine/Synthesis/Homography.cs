using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Synthesis;

/// <summary>A 3×3 projective map in double precision, row-major: (x, y) → ((m0x+m1y+m2)/w, (m3x+m4y+m5)/w), w = m6x+m7y+m8.</summary>
public readonly struct Homography
{
    public readonly double M0, M1, M2, M3, M4, M5, M6, M7, M8;

    public Homography(double m0, double m1, double m2, double m3, double m4, double m5, double m6, double m7, double m8)
    {
        M0 = m0; M1 = m1; M2 = m2; M3 = m3; M4 = m4; M5 = m5; M6 = m6; M7 = m7; M8 = m8;
    }

    public static Homography Identity => new(1, 0, 0, 0, 1, 0, 0, 0, 1);
    public static Homography Translation(double tx, double ty) => new(1, 0, tx, 0, 1, ty, 0, 0, 1);
    public static Homography Scale(double s) => new(s, 0, 0, 0, s, 0, 0, 0, 1);
    public static Homography RotationDegrees(double deg)
    {
        double r = deg * (Math.PI / 180), c = Math.Cos(r), s = Math.Sin(r);
        return new(c, -s, 0, s, c, 0, 0, 0, 1);
    }
    /// <summary>Projective row (px, py, 1): w = 1 + px·x + py·y.</summary>
    public static Homography Projective(double px, double py) => new(1, 0, 0, 0, 1, 0, px, py, 1);

    public static Homography FromArray(IReadOnlyList<double> m)
    {
        if (m.Count != 9) throw new ArgumentException($"a homography has 9 entries, got {m.Count}");
        return new(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
    }

    public double[] ToArray() => [M0, M1, M2, M3, M4, M5, M6, M7, M8];

    /// <summary>a·b: apply b first, then a.</summary>
    public static Homography operator *(Homography a, Homography b) => new(
        a.M0 * b.M0 + a.M1 * b.M3 + a.M2 * b.M6, a.M0 * b.M1 + a.M1 * b.M4 + a.M2 * b.M7, a.M0 * b.M2 + a.M1 * b.M5 + a.M2 * b.M8,
        a.M3 * b.M0 + a.M4 * b.M3 + a.M5 * b.M6, a.M3 * b.M1 + a.M4 * b.M4 + a.M5 * b.M7, a.M3 * b.M2 + a.M4 * b.M5 + a.M5 * b.M8,
        a.M6 * b.M0 + a.M7 * b.M3 + a.M8 * b.M6, a.M6 * b.M1 + a.M7 * b.M4 + a.M8 * b.M7, a.M6 * b.M2 + a.M7 * b.M5 + a.M8 * b.M8);

    public Homography Inverse()
    {
        double c0 = M4 * M8 - M5 * M7, c1 = M5 * M6 - M3 * M8, c2 = M3 * M7 - M4 * M6;
        double det = M0 * c0 + M1 * c1 + M2 * c2;
        if (Math.Abs(det) < 1e-300) throw new InvalidOperationException("singular homography");
        double id = 1 / det;
        return new(
            c0 * id, (M2 * M7 - M1 * M8) * id, (M1 * M5 - M2 * M4) * id,
            c1 * id, (M0 * M8 - M2 * M6) * id, (M2 * M3 - M0 * M5) * id,
            c2 * id, (M1 * M6 - M0 * M7) * id, (M0 * M4 - M1 * M3) * id);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply(double x, double y, out double u, out double v)
    {
        double w = M6 * x + M7 * y + M8;
        double iw = 1 / w;
        u = (M0 * x + M1 * y + M2) * iw;
        v = (M3 * x + M4 * y + M5) * iw;
    }
}
