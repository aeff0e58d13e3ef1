using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// The geometry of a synthetic clip (camera path + foreground layers, bottom to top) and what follows from it:
/// foreground coverage and ground-truth flow. It can be rebuilt from a manifest, so flows need no image data.
/// Frame n is the scene at time t = n.
/// </summary>
public sealed class SceneMotion
{
    /// <summary>Coverage below which a layer counts as absent and above 1 − this as opaque, for validity.</summary>
    public const float CoverageTolerance = 0.02f;

    public CameraPath Camera { get; }
    public IReadOnlyList<ForegroundLayer> Layers { get; }
    public int Width => Camera.OutputWidth;
    public int Height => Camera.OutputHeight;

    public SceneMotion(CameraPath camera, IReadOnlyList<ForegroundLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(layers);
        if (camera.OutputWidth <= 0 || camera.OutputHeight <= 0 || camera.BackgroundWidth <= 0 || camera.BackgroundHeight <= 0)
            throw new ArgumentException("camera path has non-positive sizes");
        Camera = camera;
        Layers = layers.ToArray();
    }

    /// <summary>Per-layer state at one instant, precomputed for per-pixel queries.</summary>
    internal readonly struct LayerPose
    {
        public readonly ForegroundLayer Layer;
        public readonly Homography ToScreen, ToLocal;
        public readonly double Scale, Cx, Cy, Reach2;

        public LayerPose(ForegroundLayer layer, double t)
        {
            Layer = layer;
            ToScreen = layer.At(t);
            ToLocal = ToScreen.Inverse();
            Scale = layer.ScaleAt(t);
            (Cx, Cy) = layer.CentreAt(t);
            double reach = layer.LocalRadius * Scale + layer.Edge + 1;
            Reach2 = reach * reach;
        }

        /// <summary>Coverage at output point (x, y); also returns the local coordinates.</summary>
        public float Alpha(double x, double y, out double qx, out double qy)
        {
            double dx = x - Cx, dy = y - Cy;
            if (dx * dx + dy * dy > Reach2) { qx = qy = 0; return 0f; }
            ToLocal.Apply(x, y, out qx, out qy);
            return Layer.Alpha(qx, qy, Scale);
        }

        public float Alpha(double x, double y) => Alpha(x, y, out _, out _);
    }

    internal LayerPose[] PosesAt(double t)
    {
        var poses = new LayerPose[Layers.Count];
        for (int k = 0; k < poses.Length; k++) poses[k] = new LayerPose(Layers[k], t);
        return poses;
    }

    /// <summary>Composite foreground coverage of frame <paramref name="frame"/> (1 channel, 1 − Π(1 − αₖ)).</summary>
    public ImageF ForegroundAlpha(int frame)
    {
        var poses = PosesAt(frame);
        var img = new ImageF(Width, Height, 1);
        var d = img.Data;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                float keep = 1f;
                foreach (var p in poses) keep *= 1f - p.Alpha(x, y);
                d[y * Width + x] = 1f - keep;
            }
        return img;
    }

    /// <summary>
    /// Ground-truth flow and validity between frames. <paramref name="flow"/> (dx, dy in px) is such that frame
    /// <paramref name="otherFrame"/> sampled at p + flow(p) lines up with frame <paramref name="refFrame"/> at p
    /// (the convention of ReconstructOptions.GivenFlows). Pixels owned by a foreground layer in the reference
    /// (coverage ≥ ½, topmost) follow that layer; the rest follow the camera. <paramref name="validity"/> is 1 where
    /// the correspondence is visible in both frames and 0 where it is occluded, lands outside the other frame,
    /// or where the reference pixel is a mix of layers (a soft edge).
    /// </summary>
    public void ComputeFlow(int refFrame, int otherFrame, out ImageF flow, out ImageF validity)
    {
        int w = Width, h = Height, bgW = Camera.BackgroundWidth;
        flow = new ImageF(w, h, 2);
        validity = new ImageF(w, h, 1);
        var camRef = Camera.At(refFrame);
        var camOtherInv = Camera.At(otherFrame).Inverse();
        var posesRef = PosesAt(refFrame);
        var posesOther = PosesAt(otherFrame);
        int nl = posesRef.Length;
        var fx = flow.Plane(0);
        var fy = flow.Plane(1);
        var vm = validity.Data;
        float lo = CoverageTolerance, hi = 1f - CoverageTolerance;
        Span<float> aRef = stackalloc float[Math.Max(nl, 1)];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                int owner = -1;
                for (int k = nl - 1; k >= 0; k--)
                {
                    aRef[k] = posesRef[k].Alpha(x, y);
                    if (owner < 0 && aRef[k] >= 0.5f) owner = k;
                }
                bool valid = true;
                // Layers above the owner (all layers for the background) must be absent here, and the owner opaque.
                for (int k = nl - 1; k > owner; k--) if (aRef[k] > lo) valid = false;
                if (owner >= 0 && aRef[owner] < hi) valid = false;

                double px, py;
                if (owner >= 0)
                {
                    posesRef[owner].ToLocal.Apply(x, y, out double qx, out double qy);
                    posesOther[owner].ToScreen.Apply(qx, qy, out px, out py);
                }
                else
                {
                    camRef.Apply(x, y, out double u, out double v);
                    // The panorama repeats every bgW: take the copy that lands in (or nearest) the other frame.
                    camOtherInv.Apply(u, v, out px, out py);
                    double best = Score(px, py, x, y, w, h);
                    for (int j = -1; j <= 1; j += 2)
                    {
                        camOtherInv.Apply(u + j * bgW, v, out double qx, out double qy);
                        double s = Score(qx, qy, x, y, w, h);
                        if (s < best) { best = s; px = qx; py = qy; }
                    }
                }
                fx[i] = (float)(px - x);
                fy[i] = (float)(py - y);

                if (!(px >= 0 && px <= w - 1 && py >= 0 && py <= h - 1)) valid = false;
                if (valid)
                {
                    for (int k = nl - 1; k > owner; k--) if (posesOther[k].Alpha(px, py) > lo) { valid = false; break; }
                    if (valid && owner >= 0 && posesOther[owner].Alpha(px, py) < hi) valid = false;
                }
                vm[i] = valid ? 1f : 0f;
            }
    }

    /// <summary>Inside-the-frame candidates first, then the nearest.</summary>
    private static double Score(double px, double py, int x, int y, int w, int h)
    {
        double d = (px - x) * (px - x) + (py - y) * (py - y);
        bool inside = px >= 0 && px <= w - 1 && py >= 0 && py <= h - 1;
        return inside ? d : d + 1e12;
    }
}
