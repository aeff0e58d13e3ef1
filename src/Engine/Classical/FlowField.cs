using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// A dense flow: <see cref="Flow"/> is 2 channels (dx, dy in pixels) such that the "other" image sampled at
/// p + flow(p) lines up with the reference at p (backward-warping convention, as ReconstructOptions.GivenFlows).
/// <see cref="Confidence"/> (1 channel, 0..1) comes from the forward-backward check when it was computed.
/// </summary>
public sealed class FlowField
{
    public ImageF Flow { get; }
    public ImageF? Confidence { get; }
    public int Width => Flow.Width;
    public int Height => Flow.Height;

    public FlowField(ImageF flow, ImageF? confidence)
    {
        if (flow.Channels != 2) throw new ArgumentException($"a flow has 2 channels, got {flow.Channels}", nameof(flow));
        if (confidence is not null && (!confidence.SameSize(flow) || confidence.Channels != 1))
            throw new ArgumentException($"confidence {confidence} does not match flow {flow}", nameof(confidence));
        Flow = flow;
        Confidence = confidence;
    }
}
