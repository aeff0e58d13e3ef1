using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Classical;

public static class FlowMetrics
{
    /// <summary>
    /// Mean end-point error |est − gt| in pixels over the pixels where <paramref name="validMask"/> (1 channel) is &gt; 0.5,
    /// or over all pixels when it is null. Returns NaN when no pixel is valid.
    /// </summary>
    public static double EndPointError(FlowField est, ImageF gtFlow, ImageF? validMask = null)
    {
        ArgumentNullException.ThrowIfNull(est);
        ArgumentNullException.ThrowIfNull(gtFlow);
        if (!est.Flow.SameSize(gtFlow) || gtFlow.Channels < 2) throw new ArgumentException($"ground truth {gtFlow} does not match the estimate {est.Flow}");
        if (validMask is not null && !validMask.SameSize(gtFlow)) throw new ArgumentException($"mask {validMask} does not match {gtFlow}");
        int n = gtFlow.PlaneSize;
        float[] e = est.Flow.Data, g = gtFlow.Data;
        double sum = 0;
        long count = 0;
        for (int i = 0; i < n; i++)
        {
            if (validMask is not null && !(validMask.Data[i] > 0.5f)) continue;
            double du = e[i] - g[i], dv = e[n + i] - g[n + i];
            sum += Math.Sqrt(du * du + dv * dv);
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }
}
