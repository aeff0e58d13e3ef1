using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Tensors;

/// <summary>
/// Differentiable SSIM (Wang et al. 2004, Eq. 13) for training losses, independent of the metrics code.
/// Local statistics use a normalized Gaussian window (default 11 taps, σ = 1.5) applied separably as two
/// depthwise convolutions, over the valid region only (no padding), per channel; the result is the mean of the
/// SSIM map over batch, channels and pixels. C1 = (0.01·L)², C2 = (0.03·L)², L the data range.
/// σ² is computed as E[x²] − μ², as the reference implementations do.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>Mean SSIM of x and y [N, C, H, W] (0-D); H and W must be at least the window size.</summary>
    public static Tensor Ssim(Tensor x, Tensor y, float dataRange = 1f, int windowSize = 11, float sigma = 1.5f)
    {
        x.Check4d("Ssim");
        CheckSame(x, y, "Ssim");
        if (!x._shape.AsSpan().SequenceEqual(y._shape)) throw new ArgumentException($"Ssim: x {ShapeString(x._shape)} and y {ShapeString(y._shape)} differ");
        if (windowSize < 1 || sigma <= 0) throw new ArgumentException($"Ssim: invalid window {windowSize} / sigma {sigma}");
        if (x._shape[2] < windowSize || x._shape[3] < windowSize)
            throw new ArgumentException($"Ssim: image {x._shape[2]}x{x._shape[3]} is smaller than the {windowSize}x{windowSize} window");
        int c = x._shape[1];
        bool grad = GradMode.IsEnabled && (x._requiresGrad || y._requiresGrad);
        var keep = new List<Tensor>();
        Tensor T(Tensor t) { keep.Add(t); return t; }

        // one depthwise pass over the five planes μx, μy, E[x²], E[y²], E[xy]
        var stack = T(Concat(new[] { x, y, T(x * x), T(y * y), T(x * y) }, 1));
        var g = GaussianTaps(windowSize, sigma);
        var wh = T(Create(new[] { 5 * c, 1, 1, windowSize }, x.Device));
        var wv = T(Create(new[] { 5 * c, 1, windowSize, 1 }, x.Device));
        using (GradMode.NoGrad())
        {
            var gt = FromArray(g, windowSize);
            keep.Add(gt);
            if (x.Device != Device.Cpu) keep.Add(gt = gt.To(x.Device)); // the taps go where the images are
            using var gh = gt.Reshape(1, 1, 1, windowSize);
            using var gv = gt.Reshape(1, 1, windowSize, 1);
            wh.CopyFrom(gh); wv.CopyFrom(gv);
        }
        var b1 = T(Conv2d(stack, wh, null, 1, 0, 1, 5 * c));
        var blur = T(Conv2d(b1, wv, null, 1, 0, 1, 5 * c));
        var parts = blur.Split(new[] { c, c, c, c, c }, 1);
        keep.AddRange(parts);
        Tensor mx = parts[0], my = parts[1], exx = parts[2], eyy = parts[3], exy = parts[4];
        float c1 = 0.01f * dataRange * (0.01f * dataRange), c2 = 0.03f * dataRange * (0.03f * dataRange);
        var mxy = T(mx * my);
        var mxx = T(mx * mx);
        var myy = T(my * my);
        var sxy = T(exy - mxy);
        var sxx = T(exx - mxx);
        var syy = T(eyy - myy);
        var num1 = T(T(mxy * 2f) + c1);
        var num2 = T(T(sxy * 2f) + c2);
        var den1 = T(T(mxx + myy) + c1);
        var den2 = T(T(sxx + syy) + c2);
        var map = T(T(num1 * num2) / T(den1 * den2));
        var r = map.Mean();
        if (!grad) foreach (var t in keep) t.Dispose();
        return r;
    }

    /// <summary>1 − SSIM(x, y): a loss in [0, 2], zero for identical images.</summary>
    public static Tensor SsimLoss(Tensor x, Tensor y, float dataRange = 1f, int windowSize = 11, float sigma = 1.5f)
    {
        var s = Ssim(x, y, dataRange, windowSize, sigma);
        var l = 1f - s;
        if (!NeedsGrad(s)) s.Dispose();
        return l;
    }

    /// <summary>Normalized 1-D Gaussian taps exp(−(i − (n−1)/2)² / 2σ²) / Σ.</summary>
    public static float[] GaussianTaps(int n, float sigma)
    {
        var g = new double[n];
        double sum = 0, half = (n - 1) / 2.0;
        for (int i = 0; i < n; i++) { g[i] = Math.Exp(-(i - half) * (i - half) / (2.0 * sigma * sigma)); sum += g[i]; }
        return Array.ConvertAll(g, v => (float)(v / sum));
    }
}
