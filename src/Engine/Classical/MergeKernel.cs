using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// The per-pixel maths of <see cref="ExposureMerge.Merge"/> (docs/classical.md §3), with everything that is constant
/// over a frame precomputed. This file holds the scalar kernel (the reference and the row tail);
/// MergeKernel.Avx2.cs holds the 8-wide one, which computes the same expressions in the same order.
/// </summary>
internal sealed partial class MergeKernel : IDisposable
{
    /// <summary>A neighbour's flow and trust, upsampled to one full-resolution row.</summary>
    internal sealed class RowBuffers
    {
        public required float[][] U, V, Trust;
        public required float[] Mid;
    }

    private sealed class Axis
    {
        public readonly int[] I0, I1;
        public readonly float[] F;

        public Axis(int full, int grid)
        {
            I0 = new int[full]; I1 = new int[full]; F = new float[full];
            float r = (float)grid / full;
            for (int x = 0; x < full; x++)
            {
                float s = Math.Clamp((x + 0.5f) * r - 0.5f, 0f, grid - 1);
                int a = Math.Min((int)s, grid - 1);
                I0[x] = a; I1[x] = Math.Min(a + 1, grid - 1); F[x] = s - a;
            }
        }
    }

    private readonly int _w, _h, _n, _k, _workW;
    private readonly float[] _ref, _out;
    private readonly float[]? _sat, _conf;
    private readonly float _invVarRef, _kappa2, _invRef;
    private readonly float _clip, _hk, _invHk, _invNk, _floor, _prel, _cgr, _dark;
    private readonly float[][] _nbData, _nbU, _nbV, _nbT;
    private readonly float[] _nbInvE, _nbVar, _nbLow0, _nbLowInv, _nbRatio, _nbPixAbs, _gainX, _gainY;
    private readonly int[] _nbGw;
    private readonly Axis?[] _axX, _axY;
    private readonly Axis _tAxX, _tAxY;
    private readonly GCHandle[] _pins;

    public MergeKernel(FrameInput reference, float refSigma, IReadOnlyList<AlignedNeighbour> neighbours, int workW, int workH, MergeOptions m,
        ImageF hdr, ImageF? sat, ImageF? conf)
    {
        var L = reference.Linear;
        _w = L.Width; _h = L.Height; _n = _w * _h; _k = neighbours.Count; _workW = workW;
        _ref = L.Data; _out = hdr.Data; _sat = sat?.Data; _conf = conf?.Data;
        float sr = MathF.Max(refSigma, m.MinNoiseSigma);
        _invVarRef = (float)(reference.Exposure * reference.Exposure / (sr * sr));
        _kappa2 = m.AlignmentError * m.AlignmentError;
        _invRef = 1f / (float)reference.Exposure;
        _clip = m.ClipThreshold; _hk = m.HighKnee; _floor = m.ReferenceFloor;
        _invHk = 1f / (_clip - _hk);
        _invNk = m.NoiseKnee > 0f ? 1f / (m.NoiseKnee * sr) : 0f;
        _prel = m.PixelRelTolerance; _cgr = m.ClippedGhostRatio * m.ClipThreshold; _dark = m.DarkThreshold;
        _nbData = new float[_k][]; _nbU = new float[_k][]; _nbV = new float[_k][]; _nbT = new float[_k][];
        _nbInvE = new float[_k]; _nbVar = new float[_k]; _nbLow0 = new float[_k]; _nbLowInv = new float[_k];
        _nbRatio = new float[_k]; _nbPixAbs = new float[_k]; _gainX = new float[_k]; _gainY = new float[_k];
        _nbGw = new int[_k]; _axX = new Axis?[_k]; _axY = new Axis?[_k];
        for (int j = 0; j < _k; j++)
        {
            var nb = neighbours[j];
            if (nb.Frame.Linear.PlaneSize != _n) throw new ArgumentException($"neighbour {j} is {nb.Frame.Linear}; the reference is {L}");
            _nbData[j] = nb.Frame.Linear.Data;
            _nbInvE[j] = (float)(1.0 / nb.Frame.Exposure);
            float sn = MathF.Max(nb.NoiseSigma, m.MinNoiseSigma);
            _nbVar[j] = (float)(sn * sn / (nb.Frame.Exposure * nb.Frame.Exposure));
            _nbLow0[j] = m.NeighbourNoiseFloor.Lo * sn;
            _nbLowInv[j] = 1f / ((m.NeighbourNoiseFloor.Hi - m.NeighbourNoiseFloor.Lo) * sn);
            _nbRatio[j] = (float)(reference.Exposure / nb.Frame.Exposure);
            _nbPixAbs[j] = nb.PixelAbsTolerance;
            var g = nb.Flow;
            _nbU[j] = g.U; _nbV[j] = g.V; _nbT[j] = nb.Trust; _nbGw[j] = g.Width;
            if (g.Width != _w || g.Height != _h)
            {
                _axX[j] = new Axis(_w, g.Width);
                _axY[j] = new Axis(_h, g.Height);
                _gainX[j] = (float)_w / g.Width;
                _gainY[j] = (float)_h / g.Height;
            }
        }
        _tAxX = new Axis(_w, workW);
        _tAxY = new Axis(_h, workH);
        // The vector kernel gathers through raw pointers: the neighbour planes must not move.
        _pins = new GCHandle[_k];
        for (int j = 0; j < _k; j++) _pins[j] = GCHandle.Alloc(_nbData[j], GCHandleType.Pinned);
    }

    public void Dispose()
    {
        foreach (var p in _pins)
            if (p.IsAllocated) p.Free();
    }

    public RowBuffers NewRowBuffers()
    {
        var rb = new RowBuffers
        {
            U = new float[_k][], V = new float[_k][], Trust = new float[_k][],
            Mid = new float[Math.Max(_workW, _k == 0 ? 1 : _nbGw.Max())],
        };
        for (int j = 0; j < _k; j++) { rb.U[j] = new float[_w]; rb.V[j] = new float[_w]; rb.Trust[j] = new float[_w]; }
        return rb;
    }

    /// <summary>Upsamples every neighbour's flow (full-resolution pixels) and trust to row <paramref name="y"/>.</summary>
    public void PrepareRow(int y, RowBuffers rb)
    {
        for (int j = 0; j < _k; j++)
        {
            var ax = _axX[j];
            if (ax is null)
            {
                Array.Copy(_nbU[j], y * _w, rb.U[j], 0, _w);
                Array.Copy(_nbV[j], y * _w, rb.V[j], 0, _w);
            }
            else
            {
                UpsampleRow(_nbU[j], _nbGw[j], _axY[j]!, ax, y, rb.Mid, rb.U[j], _gainX[j]);
                UpsampleRow(_nbV[j], _nbGw[j], _axY[j]!, ax, y, rb.Mid, rb.V[j], _gainY[j]);
            }
            UpsampleRow(_nbT[j], _workW, _tAxY, _tAxX, y, rb.Mid, rb.Trust[j], 1f);
        }
    }

    /// <summary>One output pixel (scalar reference).</summary>
    public void Pixel(int y, int x, RowBuffers rb)
    {
        int W = _w, H = _h, LN = _n, i = y * W + x;
        float clip = _clip;
        ref float R = ref MemoryMarshal.GetArrayDataReference(_ref);
        float r0 = Unsafe.Add(ref R, i), g0 = Unsafe.Add(ref R, LN + i), b0 = Unsafe.Add(ref R, 2 * LN + i);
        float mx0 = MathF.Max(r0, MathF.Max(g0, b0));
        float lum0 = 0.2126f * r0 + 0.7152f * g0 + 0.0722f * b0;
        bool refClipped = mx0 >= clip;
        float wr = MathF.Max(HatFast(mx0, _invNk, _hk, _invHk, clip), _floor) * _invVarRef;
        float ar = wr * r0 * _invRef, ag = wr * g0 * _invRef, ab = wr * b0 * _invRef, ws = wr;
        float best = 0f;
        // The clipped floor: a channel clipped in a frame is at least its value / exposure there. The reference's bound,
        // raised by every aligned neighbour clipped in the same channel (a shorter exposure clipping proves more).
        bool rc = r0 >= clip, gc = g0 >= clip, bc = b0 >= clip;
        float fr = rc ? r0 * _invRef : 0f, fg = gc ? g0 * _invRef : 0f, fb = bc ? b0 * _invRef : 0f;
        for (int j = 0; j < _k; j++)
        {
            float trust = rb.Trust[j][x];
            if (trust <= 1e-4f) continue;
            float sx = x + rb.U[j][x], sy = y + rb.V[j][x];
            if (!BilinearTaps.Inside(sx, sy, W, H)) continue; // also rejects NaN
            var taps = new BilinearTaps(sx, sy, W, H);
            ref float D = ref MemoryMarshal.GetArrayDataReference(_nbData[j]);
            float r1 = taps.Sample(ref D), g1 = taps.Sample(ref D, LN), b1 = taps.Sample(ref D, 2 * LN);
            if (rc && r1 >= clip) fr = MathF.Max(fr, r1 * _nbInvE[j]);
            if (gc && g1 >= clip) fg = MathF.Max(fg, g1 * _nbInvE[j]);
            if (bc && b1 >= clip) fb = MathF.Max(fb, b1 * _nbInvE[j]);
            float mx1 = MathF.Max(r1, MathF.Max(g1, b1));
            // A neighbour must earn its weight: below a few σ of its own noise (where clamping at 0 also biases it
            // upwards) it carries no information. The darkest channel decides (a clamped, biased channel would tint the merge).
            float mn1 = MathF.Min(r1, MathF.Min(g1, b1));
            float lt = Math.Clamp((mn1 - _nbLow0[j]) * _nbLowInv[j], 0f, 1f);
            float hat = HatFast(mx1, 0f, _hk, _invHk, clip) * (lt * lt * (3f - 2f * lt));
            if (hat <= 0f) continue;
            // Per-pixel ghost test, in reference raw units.
            float ghost;
            float q = _nbRatio[j];
            float l1 = 0.2126f * r1 + 0.7152f * g1 + 0.0722f * b1;
            if (refClipped)
            {
                // The true value is at least the clip level in every clipped channel.
                float lowest = float.MaxValue;
                if (r0 >= clip) lowest = MathF.Min(lowest, r1 * q);
                if (g0 >= clip) lowest = MathF.Min(lowest, g1 * q);
                if (b0 >= clip) lowest = MathF.Min(lowest, b1 * q);
                ghost = Filters.SmoothStep(0.7f * _cgr, _cgr, lowest);
            }
            else
            {
                float a = lum0, b = l1 * q;
                float dd = MathF.Abs(b - a) / (_nbPixAbs[j] + _prel * MathF.Max(a, b));
                ghost = ExposureMerge.Ghost(dd);
            }
            float tr = trust * ghost;
            if (tr > best) best = tr;
            float hl = l1 * _nbInvE[j];
            float wj = hat * tr / (_nbVar[j] + _kappa2 * hl * hl);
            float ie = _nbInvE[j] * wj;
            ar += ie * r1; ag += ie * g1; ab += ie * b1; ws += wj;
        }
        float inv = 1f / ws;
        _out[i] = MathF.Max(ar * inv, fr); _out[LN + i] = MathF.Max(ag * inv, fg); _out[2 * LN + i] = MathF.Max(ab * inv, fb);
        if (_sat is not null)
        {
            _sat[i] = refClipped || lum0 < _dark ? 1f : 0f;
            _conf![i] = best;
        }
    }

    /// <summary>smoothstep(0, 1/invNk, x)·(1 − smoothstep(hk, clip, x)), 0 from the clip on; invNk = 0: no low ramp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HatFast(float x, float invNk, float hk, float invHk, float clip)
    {
        if (x >= clip) return 0f;
        float t = invNk == 0f ? 1f : Math.Clamp(x * invNk, 0f, 1f);
        float lo = t * t * (3f - 2f * t);
        float s = Math.Clamp((x - hk) * invHk, 0f, 1f);
        return lo * (1f - s * s * (3f - 2f * s));
    }

    /// <summary>One full-resolution row of a bilinearly upsampled grid plane, times gain: vertical lerp into mid, then horizontal.</summary>
    private static void UpsampleRow(float[] g, int gw, Axis ay, Axis ax, int y, float[] mid, float[] dst, float gain)
    {
        int a0 = ay.I0[y] * gw, a1 = ay.I1[y] * gw;
        float fy = ay.F[y];
        for (int i = 0; i < gw; i++) mid[i] = g[a0 + i] + fy * (g[a1 + i] - g[a0 + i]);
        int[] i0 = ax.I0, i1 = ax.I1;
        float[] f = ax.F;
        int x = VectorSupported ? UpsampleRowVector(mid, i0, i1, f, dst, gain) : 0;
        for (; x < dst.Length; x++)
        {
            float m0 = mid[i0[x]];
            dst[x] = gain * (m0 + f[x] * (mid[i1[x]] - m0));
        }
    }
}
