namespace HdrOfx.Engine.Reconstruction;

public interface IReconstructionMethod
{
    string Name { get; }

    /// <summary>
    /// Rebuilds frames[refIndex] as HDR. Entries other than the reference may be null (missing frames).
    /// All non-null frames have the same size and 3 or more channels (only RGB is used).
    /// </summary>
    ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel);
}
